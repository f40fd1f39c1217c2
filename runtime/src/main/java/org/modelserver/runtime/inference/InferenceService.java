package org.modelserver.runtime.inference;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.registry.ModelVersion;
import org.modelserver.runtime.repository.ModelConfig;
import org.modelserver.runtime.tensor.Tensor;

/**
 * The one inference path every transport uses: resolve the version, validate, execute, and keep
 * only the outputs asked for.
 */
public final class InferenceService {
  private final ModelRegistry registry;

  public InferenceService(ModelRegistry registry) {
    this.registry = registry;
  }

  /**
   * Runs a request. The future fails with a {@link ServingException} for anything the caller can
   * act on; it never completes twice.
   */
  public CompletableFuture<InferenceResponse> infer(InferenceRequest request) {
    try {
      return CompletableFuture.completedFuture(run(request));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private InferenceResponse run(InferenceRequest request) {
    ModelVersion version = registry.resolve(request.modelName(), request.version());
    ModelConfig config = version.config().orElseThrow();
    EngineSession session = version.session().orElseThrow();
    List<String> outputNames = RequestValidator.validate(config, request);
    Map<String, Tensor> computed =
        session.execute(request.inputs(), new LinkedHashSet<>(outputNames));
    Map<String, Tensor> outputs = new LinkedHashMap<>();
    for (String name : outputNames) {
      Tensor tensor = computed.get(name);
      if (tensor == null) {
        throw ServingException.internal("the engine did not produce output '" + name + "'", null);
      }
      outputs.put(name, tensor);
    }
    return new InferenceResponse(request.modelName(), version.version(), request.id(), outputs);
  }
}
