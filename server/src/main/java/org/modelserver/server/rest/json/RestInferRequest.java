package org.modelserver.server.rest.json;

import java.util.Set;
import org.modelserver.runtime.inference.InferenceRequest;

/**
 * An inference request as read over REST: the transport-free request plus how its outputs are to be
 * encoded (the binary tensor data extension).
 *
 * @param request what the runtime executes
 * @param binaryOutputs outputs asked for as binary data ({@code binary_data: true})
 * @param jsonOutputs outputs asked for as JSON ({@code binary_data: false})
 * @param binaryByDefault whether outputs not named above are binary ({@code binary_data_output})
 */
public record RestInferRequest(
    InferenceRequest request,
    Set<String> binaryOutputs,
    Set<String> jsonOutputs,
    boolean binaryByDefault) {

  public RestInferRequest {
    binaryOutputs = Set.copyOf(binaryOutputs);
    jsonOutputs = Set.copyOf(jsonOutputs);
  }

  public boolean isBinary(String output) {
    return binaryOutputs.contains(output) || (binaryByDefault && !jsonOutputs.contains(output));
  }
}
