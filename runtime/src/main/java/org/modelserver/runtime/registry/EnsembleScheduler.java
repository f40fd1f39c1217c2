package org.modelserver.runtime.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.modelserver.runtime.batch.RequestScheduler;
import org.modelserver.runtime.batch.SchedulerDrainingException;
import org.modelserver.runtime.config.EnsembleStep;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.stats.FailureReason;
import org.modelserver.runtime.stats.ModelStatistics;
import org.modelserver.runtime.tensor.Shape;
import org.modelserver.runtime.tensor.Tensor;

/**
 * Runs an ensemble's requests as Triton does: each step is submitted to its composing model's own
 * scheduler (so it batches with that model's other traffic) as soon as every ensemble tensor it
 * reads exists; independent steps run concurrently. The composing version is resolved through the
 * registry for every step of every request, so a hot swap of a composing model is followed.
 *
 * <p>The ensemble's statistics count one execution per request (an ensemble does not batch), its
 * rows as inferences, and the whole request as its success or failure duration; queue and compute
 * are the composing models' own, in their statistics.
 */
final class EnsembleScheduler implements RequestScheduler {
  private final ModelConfig config;
  private final long version;
  private final ModelRegistry registry;
  private final ModelStatistics stats;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final CompletableFuture<Void> drained = new CompletableFuture<>();
  private volatile boolean draining;

  EnsembleScheduler(
      ModelConfig config, long version, ModelRegistry registry, ModelStatistics stats) {
    this.config = config;
    this.version = version;
    this.registry = registry;
    this.stats = stats;
  }

  @Override
  public CompletableFuture<Map<String, Tensor>> submit(
      Map<String, Tensor> inputs, List<String> outputs, long priority, long timeoutMicros) {
    inFlight.incrementAndGet();
    if (draining) {
      finishOne();
      throw new SchedulerDrainingException(config.name(), version);
    }
    long start = System.nanoTime();
    int rows = config.batched() ? Math.toIntExact(inputs.values().iterator().next().dim(0)) : 1;
    Run run = new Run(inputs, outputs, priority, timeoutMicros);
    run.result.whenComplete(
        (values, failure) -> {
          long elapsed = System.nanoTime() - start;
          if (failure == null) {
            stats.requestSucceeded(rows, 0, 0, 0, 0, elapsed);
            stats.executed(rows, 0, 0, 0);
          } else {
            stats.requestFailed(
                failure instanceof CancellationException
                    ? FailureReason.CANCELED
                    : FailureReason.OTHER,
                elapsed);
          }
          finishOne();
        });
    run.advance();
    return run.result;
  }

  private void finishOne() {
    if (inFlight.decrementAndGet() == 0 && draining) {
      drained.complete(null);
    }
  }

  @Override
  public Optional<String> queueFull() {
    return Optional.empty(); // the composing models' queues decide, step by step
  }

  @Override
  public CompletableFuture<Void> drain() {
    draining = true;
    if (inFlight.get() == 0) {
      drained.complete(null);
    }
    return drained;
  }

  @Override
  public void close() {
    draining = true;
    drained.complete(null);
  }

  /** One request going through the steps. */
  private final class Run {
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final List<String> outputs;
    private final long priority;
    private final long timeoutMicros;
    private final boolean[] started = new boolean[config.ensembleSteps().size()];
    private final List<CompletableFuture<?>> running = new ArrayList<>();
    private int done;
    final CompletableFuture<Map<String, Tensor>> result = new CompletableFuture<>();

    Run(Map<String, Tensor> inputs, List<String> outputs, long priority, long timeoutMicros) {
      this.tensors.putAll(inputs);
      this.outputs = outputs;
      this.priority = priority;
      this.timeoutMicros = timeoutMicros;
      // A cancelled or failed request withdraws its steps that are still queued.
      result.whenComplete(
          (values, failure) -> {
            if (failure != null) {
              List<CompletableFuture<?>> steps;
              synchronized (this) {
                steps = List.copyOf(running);
              }
              steps.forEach(step -> step.cancel(false));
            }
          });
    }

    /** Starts every step whose inputs all exist; completes the request after the last one. */
    void advance() {
      List<Integer> ready = new ArrayList<>();
      Map<String, Tensor> finished = null;
      synchronized (this) {
        if (result.isDone()) {
          return;
        }
        List<EnsembleStep> steps = config.ensembleSteps();
        for (int i = 0; i < steps.size(); i++) {
          if (!started[i] && tensors.keySet().containsAll(steps.get(i).inputMap().values())) {
            started[i] = true;
            ready.add(i);
          }
        }
        if (done == steps.size()) {
          finished = new LinkedHashMap<>();
          for (String name : outputs) {
            finished.put(name, tensors.get(name));
          }
        }
      }
      if (finished != null) {
        result.complete(finished);
        return;
      }
      for (int index : ready) {
        start(index);
      }
    }

    private void start(int index) {
      EnsembleStep step = config.ensembleSteps().get(index);
      CompletableFuture<Map<String, Tensor>> outputsOfStep;
      try {
        outputsOfStep = submitStep(step, index, true);
      } catch (RuntimeException e) {
        result.completeExceptionally(stepFailure(index, step, e));
        return;
      }
      synchronized (this) {
        running.add(outputsOfStep);
      }
      outputsOfStep.whenComplete(
          (values, failure) -> {
            if (failure != null) {
              result.completeExceptionally(stepFailure(index, step, failure));
              return;
            }
            synchronized (this) {
              step.outputMap().forEach((own, ensemble) -> tensors.put(ensemble, values.get(own)));
              done++;
            }
            advance();
          });
    }

    private CompletableFuture<Map<String, Tensor>> submitStep(
        EnsembleStep step, int index, boolean mayRetry) {
      ModelVersion target = registry.route(step.modelName(), step.version());
      ModelConfig stepConfig = target.config().orElseThrow();
      Map<String, Tensor> inputs = new LinkedHashMap<>();
      synchronized (this) {
        for (Map.Entry<String, String> entry : step.inputMap().entrySet()) {
          inputs.put(entry.getKey(), tensors.get(entry.getValue()));
        }
      }
      for (Map.Entry<String, Tensor> entry : inputs.entrySet()) {
        TensorSpec spec =
            stepConfig
                .input(entry.getKey())
                .orElseThrow(
                    () ->
                        ServingException.unavailable(
                            "input '" + entry.getKey() + "' is no longer an input of the model"));
        requireFits(spec, entry.getValue(), stepConfig);
      }
      try {
        return target
            .requestScheduler()
            .orElseThrow()
            .submit(inputs, List.copyOf(step.outputMap().keySet()), priority, timeoutMicros);
      } catch (SchedulerDrainingException e) {
        if (!mayRetry) {
          throw e;
        }
        return submitStep(step, index, false); // swapped meanwhile: the new version takes it
      }
    }
  }

  /** The step model's own request checks, for tensors whose shape is only known at run time. */
  private static void requireFits(TensorSpec spec, Tensor tensor, ModelConfig stepConfig) {
    long[] expected = spec.shape(stepConfig.batched());
    long[] actual = tensor.shape();
    boolean fits = tensor.dataType() == spec.dataType() && expected.length == actual.length;
    for (int i = 0; fits && i < actual.length; i++) {
      fits = expected[i] == -1 || expected[i] == actual[i];
    }
    if (fits && stepConfig.batched() && actual[0] > stepConfig.maxBatch()) {
      fits = false;
    }
    if (!fits) {
      throw ServingException.invalidArgument(
          "tensor for input '"
              + spec.name()
              + "' is "
              + tensor.dataType()
              + " "
              + Shape.format(actual)
              + ", the model expects "
              + spec.dataType()
              + " "
              + Shape.format(expected)
              + (stepConfig.batched() ? " (max batch " + stepConfig.maxBatch() + ")" : ""));
    }
  }

  /** A step's failure as the ensemble's, of the same kind, saying which step failed. */
  private ServingException stepFailure(int index, EnsembleStep step, Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    String where =
        "ensemble '" + config.name() + "' step " + index + " (model '" + step.modelName() + "'): ";
    if (cause instanceof ServingException serving) {
      String message = where + serving.getMessage();
      if (serving.retryAfter().isPresent()) {
        return serving.kind() == ErrorKind.RATE_LIMITED
            ? ServingException.rateLimited(message, serving.retryAfter().get())
            : ServingException.overloaded(message, serving.retryAfter().get());
      }
      // A composing model that is not (or no longer) loaded makes the ensemble unavailable.
      ErrorKind kind =
          serving.kind() == ErrorKind.NOT_FOUND ? ErrorKind.UNAVAILABLE : serving.kind();
      return new ServingException(kind, message, serving);
    }
    if (cause instanceof CancellationException) {
      return ServingException.cancelled(where + "cancelled");
    }
    return ServingException.internal(where + cause, cause);
  }
}
