package org.modelserver.runtime.inference;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.modelserver.runtime.batch.Scheduler;
import org.modelserver.runtime.batch.SchedulerDrainingException;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.registry.ModelVersion;
import org.modelserver.runtime.stats.FailureReason;
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
   * act on; it completes exactly once.
   */
  /**
   * Checks, before a transport decodes a request's tensors, that the model and version it names
   * exist: an unknown one is NOT_FOUND whatever else is wrong with the request, as in Triton.
   */
  public void requireKnown(String model, Optional<Long> version) {
    registry.requireKnown(model, version);
  }

  public CompletableFuture<InferenceResponse> infer(InferenceRequest request) {
    return attempt(request, true);
  }

  /**
   * @param mayRetry whether a refusal by a draining version is retried on the new default
   */
  private CompletableFuture<InferenceResponse> attempt(InferenceRequest request, boolean mayRetry) {
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
      for (Map.Entry<String, Integer> entry : request.classifications().entrySet()) {
        if (!outputNames.contains(entry.getKey())) {
          throw ServingException.invalidArgument(
              "classification asked for output '"
                  + entry.getKey()
                  + "', which is not among the outputs requested");
        }
        if (entry.getValue() < 1) {
          throw ServingException.invalidArgument(
              "output '"
                  + entry.getKey()
                  + "' parameter 'classification' must be 1 or more, got "
                  + entry.getValue());
        }
      }
      RequestParameters parameters = RequestParameters.of(request.parameters());
      return scheduler
          .submit(request.inputs(), outputNames, parameters.priority(), parameters.timeoutMicros())
          .thenApply(
              outputs ->
                  new InferenceResponse(
                      request.modelName(),
                      version.version(),
                      request.id(),
                      classify(config, request, outputs)));
    } catch (SchedulerDrainingException e) {
      // The version was swapped out between resolving and submitting, and refused at once:
      // nothing ran, so the request goes to the version that replaced it.
      return mayRetry ? attempt(request, false) : CompletableFuture.failedFuture(e);
    } catch (ServingException e) {
      if (e.kind() == ErrorKind.INVALID_ARGUMENT) {
        version.statistics().requestFailed(FailureReason.OTHER, 0);
      }
      return CompletableFuture.failedFuture(e);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static Map<String, Tensor> classify(
      ModelConfig config, InferenceRequest request, Map<String, Tensor> outputs) {
    if (request.classifications().isEmpty()) {
      return outputs;
    }
    Map<String, Tensor> result = new LinkedHashMap<>(outputs);
    for (Map.Entry<String, Integer> entry : request.classifications().entrySet()) {
      String name = entry.getKey();
      result.put(
          name,
          Classification.topN(
              name,
              outputs.get(name),
              entry.getValue(),
              config.batched(),
              config.labels().get(name)));
    }
    return result;
  }
}
