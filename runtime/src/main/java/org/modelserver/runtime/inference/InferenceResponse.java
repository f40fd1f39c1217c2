package org.modelserver.runtime.inference;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.modelserver.runtime.tensor.Tensor;

/**
 * The result of an inference.
 *
 * @param modelName the model that answered
 * @param modelVersion the version that produced every output
 * @param id the request's id, or null when it had none
 * @param outputs output tensors by name, in the order asked for
 */
public record InferenceResponse(
    String modelName, long modelVersion, String id, Map<String, Tensor> outputs) {
  public InferenceResponse {
    outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
  }
}
