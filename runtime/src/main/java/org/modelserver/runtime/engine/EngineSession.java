package org.modelserver.runtime.engine;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.modelserver.runtime.config.ModelSignature;
import org.modelserver.runtime.tensor.Tensor;

/**
 * A loaded model version that executes batches of named tensors. Safe to call from several threads
 * at once. Closing frees its native memory; closing twice is harmless.
 */
public interface EngineSession extends AutoCloseable {

  /**
   * The inputs and outputs the model file itself declares, with full shapes (batch dimension
   * included, -1 where dynamic); empty for formats that carry none, such as TorchScript.
   */
  Optional<ModelSignature> signature();

  /**
   * Runs the model.
   *
   * @param inputs every model input, already validated against the model's configuration
   * @param outputs the names of the outputs wanted
   * @return the requested outputs by name
   * @throws org.modelserver.runtime.error.ServingException INVALID_ARGUMENT when the engine rejects
   *     the values (for example an index out of range), INTERNAL for faults
   */
  Map<String, Tensor> execute(Map<String, Tensor> inputs, Set<String> outputs);

  /**
   * Runs the model and lets {@code stop} end the run early; engines that cannot stop a run ignore
   * it.
   *
   * @throws org.modelserver.runtime.error.ServingException CANCELLED when the run was stopped
   */
  default Map<String, Tensor> execute(
      Map<String, Tensor> inputs, Set<String> outputs, RunStop stop) {
    return execute(inputs, outputs);
  }

  @Override
  void close();
}
