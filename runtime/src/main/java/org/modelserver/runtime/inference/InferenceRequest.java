package org.modelserver.runtime.inference;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.modelserver.runtime.tensor.Tensor;

/**
 * A transport-free inference request.
 *
 * @param modelName the model addressed
 * @param version the version addressed, or empty for the model's default version
 * @param id the caller's request id, echoed in the response; may be null
 * @param inputs input tensors by name, in the order the caller sent them
 * @param outputs the outputs wanted, in order; empty means every output
 * @param parameters the request's parameters (string, number or boolean values)
 * @param classifications outputs to return as their top-N classes (Triton's classification
 *     extension): output name to N
 */
public record InferenceRequest(
    String modelName,
    Optional<Long> version,
    String id,
    Map<String, Tensor> inputs,
    List<String> outputs,
    Map<String, Object> parameters,
    Map<String, Integer> classifications) {
  public InferenceRequest {
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(version, "version");
    inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    outputs = List.copyOf(outputs);
    parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    classifications = Map.copyOf(classifications);
  }

  /** A request without classification outputs. */
  public InferenceRequest(
      String modelName,
      Optional<Long> version,
      String id,
      Map<String, Tensor> inputs,
      List<String> outputs,
      Map<String, Object> parameters) {
    this(modelName, version, id, inputs, outputs, parameters, Map.of());
  }
}
