package org.modelserver.runtime.inference;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.modelserver.runtime.admission.Guards;
import org.modelserver.runtime.admission.ModelGuard;
import org.modelserver.runtime.batch.RequestScheduler;
import org.modelserver.runtime.batch.SchedulerDrainingException;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.registry.ModelVersion;
import org.modelserver.runtime.registry.RequestHeaders;
import org.modelserver.runtime.stats.FailureReason;
import org.modelserver.runtime.tensor.Tensor;

/**
 * The one inference path every transport uses: resolve the version, validate, execute, and keep
 * only the outputs asked for.
 */
public final class InferenceService {
  private final ModelRegistry registry;
  private final Guards guards;
  private final OutcomeListener outcomes;
  private final Shadowing shadowing;

  public InferenceService(ModelRegistry registry) {
    this(registry, Guards.none(), OutcomeListener.NONE);
  }

  /**
   * @param guards the server-wide byte budget (each version carries its own guard)
   * @param outcomes told how each admitted request ended (the rollout policies)
   */
  public InferenceService(ModelRegistry registry, Guards guards, OutcomeListener outcomes) {
    this(registry, guards, outcomes, new Shadowing(registry, guards.serverBytes()));
  }

  /**
   * @param outcomes told how each admitted request ended (the rollout policies)
   * @param shadowing where answered requests are offered for shadow traffic
   */
  public InferenceService(
      ModelRegistry registry, Guards guards, OutcomeListener outcomes, Shadowing shadowing) {
    this.registry = registry;
    this.guards = guards;
    this.outcomes = outcomes;
    this.shadowing = shadowing;
  }

  /**
   * Checks, before a transport decodes a request's tensors, that the model and version it names
   * exist: an unknown one is NOT_FOUND whatever else is wrong with the request, as in Triton.
   */
  public void requireKnown(String model, Optional<Long> version) {
    registry.requireKnown(model, version);
  }

  /**
   * Admits a request before its body is read or decoded, cheapest refusals first: an unknown model
   * or version (NOT_FOUND), one not ready (UNAVAILABLE), the caller's rate limit (RATE_LIMITED),
   * the version's circuit breaker and bulkhead, a full queue, and the byte budgets for the body
   * (CAPACITY_EXCEEDED). The caller must close the admission; {@link #infer(Admission,
   * InferenceRequest)} does so once the result is complete.
   *
   * @param caller who sends the request, for its rate limit: a token digest or client address
   * @param bodyBytes the bytes the body holds or will hold (0 when unknown yet)
   */
  public Admission admit(String model, Optional<Long> version, String caller, long bodyBytes) {
    return admit(model, version, caller, bodyBytes, RequestHeaders.NONE);
  }

  /**
   * As {@link #admit(String, Optional, String, long)}, with the request's transport headers for a
   * sticky traffic split.
   */
  public Admission admit(
      String model, Optional<Long> version, String caller, long bodyBytes, RequestHeaders headers) {
    ModelVersion resolved = registry.route(model, version, headers);
    ModelGuard guard = resolved.guard().orElseThrow();
    ModelGuard.Permit permit;
    try {
      permit = guard.admit(caller);
    } catch (ServingException e) {
      rejected(resolved);
      throw e;
    }
    Admission admission = new Admission(resolved, permit, guards.serverBytes(), guard.bytes());
    try {
      RequestScheduler scheduler = resolved.requestScheduler().orElseThrow();
      java.util.Optional<String> full = scheduler.queueFull();
      if (full.isPresent()) {
        throw ServingException.overloaded(
            "model '" + model + "' queue is full: " + full.get() + "; retry later",
            Duration.ofSeconds(1));
      }
      admission.reserve(bodyBytes);
      return admission;
    } catch (RuntimeException e) {
      rejected(resolved);
      admission.close();
      throw e;
    }
  }

  /** Counts an admission refusal as Triton's REJECTED failure of the version. */
  private static void rejected(ModelVersion version) {
    version.statistics().requestFailed(FailureReason.REJECTED, 0);
  }

  /** Runs a request without a caller identity or byte accounting (tools and tests). */
  public CompletableFuture<InferenceResponse> infer(InferenceRequest request) {
    Admission admission;
    try {
      admission = admit(request.modelName(), request.version(), "", 0);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return infer(admission, request);
  }

  /**
   * Runs an admitted request. The future fails with a {@link ServingException} for anything the
   * caller can act on; it completes exactly once, and then the admission is closed. Cancelling it
   * takes the request out of its queue if it has not started to run.
   */
  public CompletableFuture<InferenceResponse> infer(Admission admission, InferenceRequest request) {
    CompletableFuture<InferenceResponse> result = attempt(admission.version(), request, true);
    result.whenComplete(
        (response, failure) -> {
          admission.finish(failure);
          admission.close();
          outcomes.finished(admission.version(), admission.elapsedNanos(), failure);
        });
    // Shadow traffic: offered once answered; never delays or fails the caller.
    result.thenAccept(response -> shadowing.offer(request, response));
    return result;
  }

  /**
   * @param mayRetry whether a refusal by a draining version is retried on the new default
   */
  private CompletableFuture<InferenceResponse> attempt(
      ModelVersion version, InferenceRequest request, boolean mayRetry) {
    try {
      ModelConfig config = version.config().orElseThrow();
      RequestScheduler scheduler = version.requestScheduler().orElseThrow();
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
      CompletableFuture<Map<String, Tensor>> outputs =
          scheduler.submit(
              request.inputs(), outputNames, parameters.priority(), parameters.timeoutMicros());
      CompletableFuture<InferenceResponse> response =
          outputs.thenApply(
              values ->
                  new InferenceResponse(
                      request.modelName(),
                      version.version(),
                      request.id(),
                      classify(config, request, values)));
      // Cancelling the caller's future withdraws the queued job.
      response.whenComplete(
          (ignored, failure) -> {
            if (failure instanceof CancellationException) {
              outputs.cancel(false);
            }
          });
      return response;
    } catch (SchedulerDrainingException e) {
      // The version was swapped out between resolving and submitting, and refused at once:
      // nothing ran, so the request goes to the version that replaced it.
      if (!mayRetry) {
        return CompletableFuture.failedFuture(e);
      }
      ModelVersion next;
      try {
        next = registry.route(request.modelName(), request.version());
      } catch (RuntimeException resolveFailure) {
        return CompletableFuture.failedFuture(resolveFailure);
      }
      return attempt(next, request, false);
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
