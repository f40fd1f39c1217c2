package org.modelserver.runtime.inference;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.modelserver.runtime.batch.Scheduler;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.registry.ModelVersion;
import org.modelserver.runtime.repository.ModelConfig;
import org.modelserver.runtime.stats.FailureReason;

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
   * act on; it completes exactly once.
   */
  public CompletableFuture<InferenceResponse> infer(InferenceRequest request) {
    ModelVersion version;
    try {
      version = registry.resolve(request.modelName(), request.version());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    try {
      ModelConfig config = version.config().orElseThrow();
      Scheduler scheduler = version.scheduler().orElseThrow();
      List<String> outputNames = RequestValidator.validate(config, request);
      RequestParameters parameters = RequestParameters.of(request.parameters());
      return scheduler
          .submit(request.inputs(), outputNames, parameters.priority(), parameters.timeoutMicros())
          .thenApply(
              outputs ->
                  new InferenceResponse(
                      request.modelName(), version.version(), request.id(), outputs));
    } catch (ServingException e) {
      if (e.kind() == ErrorKind.INVALID_ARGUMENT) {
        version.statistics().requestFailed(FailureReason.OTHER, 0);
      }
      return CompletableFuture.failedFuture(e);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
