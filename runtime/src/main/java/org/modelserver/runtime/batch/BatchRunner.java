package org.modelserver.runtime.batch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.RunStop;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.stats.FailureReason;
import org.modelserver.runtime.stats.ModelStatistics;
import org.modelserver.runtime.tensor.Tensor;

/**
 * Executes batches on an instance and completes their jobs' futures, recording statistics; with
 * {@code preserve_ordering}, futures complete in admission order whichever batch finishes first.
 * Thread-safe; futures complete outside the scheduler's lock.
 */
final class BatchRunner {
  private final boolean batched;
  private final boolean preserveOrdering;
  private final ModelStatistics stats;
  private final SchedulerClock clock;
  private final ReentrantLock lock;
  // Admitted jobs not yet completed, in admission order; only with preserve_ordering.
  private final ArrayDeque<InferenceJob> ordered = new ArrayDeque<>();

  /**
   * @param batched whether the model's tensors have a batch dimension
   * @param preserveOrdering whether futures complete in admission order
   * @param lock the scheduler's lock, which also guards the admission order
   */
  BatchRunner(
      boolean batched,
      boolean preserveOrdering,
      ModelStatistics stats,
      SchedulerClock clock,
      ReentrantLock lock) {
    this.batched = batched;
    this.preserveOrdering = preserveOrdering;
    this.stats = stats;
    this.clock = clock;
    this.lock = lock;
  }

  /** Records a job's admission; called with the scheduler's lock held, in admission order. */
  void admitted(InferenceJob job) {
    if (preserveOrdering) {
      ordered.addLast(job);
    }
  }

  /** Executes jobs as one batch and completes each one's future; never throws. */
  void run(List<InferenceJob> jobs, EngineSession session) {
    try {
      execute(jobs, session);
    } catch (ServingException e) {
      if (jobs.size() > 1 && e.kind() == ErrorKind.INVALID_ARGUMENT) {
        // One request's values failed the batch; run each alone so only that one fails.
        for (InferenceJob job : jobs) {
          run(List.of(job), session);
        }
      } else {
        fail(jobs, e);
      }
    } catch (RuntimeException | Error e) {
      fail(jobs, ServingException.internal("execution failed: " + e, e));
    }
  }

  private void execute(List<InferenceJob> jobs, EngineSession session) {
    long start = clock.nanoTime();
    Map<String, Tensor> inputs = BatchAssembler.joinInputs(jobs);
    Set<String> outputNames = new LinkedHashSet<>();
    int rows = 0;
    for (InferenceJob job : jobs) {
      outputNames.addAll(job.outputs);
      rows += job.rows;
    }
    long inputsReady = clock.nanoTime();
    Map<String, Tensor> results;
    if (jobs.size() == 1) {
      // Alone in its batch, the run may be stopped when its caller cancels.
      InferenceJob job = jobs.get(0);
      RunStop stop = new RunStop();
      job.stop = stop;
      if (job.future.isCancelled()) {
        stop.stop();
      }
      try {
        results = session.execute(inputs, outputNames, stop);
      } finally {
        job.stop = null;
      }
    } else {
      results = session.execute(inputs, outputNames);
    }
    long inferred = clock.nanoTime();
    List<Map<String, Tensor>> split = BatchAssembler.splitOutputs(jobs, results, batched);
    long end = clock.nanoTime();
    stats.executed(rows, inputsReady - start, inferred - inputsReady, end - inferred);
    for (int i = 0; i < jobs.size(); i++) {
      InferenceJob job = jobs.get(i);
      stats.requestSucceeded(
          job.rows,
          start - job.arrivalNanos,
          inputsReady - start,
          inferred - inputsReady,
          end - inferred,
          end - job.arrivalNanos);
      complete(job, split.get(i), null);
    }
  }

  /** Fails jobs: UNAVAILABLE counts as canceled, anything else as a backend failure. */
  void fail(List<InferenceJob> jobs, ServingException error) {
    long now = clock.nanoTime();
    for (InferenceJob job : jobs) {
      stats.requestFailed(
          error.kind() == ErrorKind.UNAVAILABLE || error.kind() == ErrorKind.CANCELLED
              ? FailureReason.CANCELED
              : FailureReason.BACKEND,
          now - job.arrivalNanos);
      complete(job, null, error);
    }
  }

  /** Records a job its caller cancelled before it ran; its future is already complete. */
  void cancelled(InferenceJob job) {
    stats.requestFailed(FailureReason.CANCELED, clock.nanoTime() - job.arrivalNanos);
    // With preserve_ordering the jobs behind it must not wait for it.
    complete(job, null, ServingException.cancelled("the caller cancelled the request"));
  }

  /** Fails jobs that a REJECT queue policy timed out. */
  void reject(List<InferenceJob> expired, String model) {
    long now = clock.nanoTime();
    for (InferenceJob job : expired) {
      stats.requestFailed(FailureReason.REJECTED, now - job.arrivalNanos);
      complete(
          job,
          null,
          ServingException.overloaded(
              "request to model '"
                  + model
                  + "' timed out after waiting "
                  + (now - job.arrivalNanos) / 1000
                  + " µs in the queue (queue policy timeout "
                  + (job.deadlineNanos - job.arrivalNanos) / 1000
                  + " µs)",
              JobQueues.RETRY_AFTER_FULL));
    }
  }

  /** Completes a job's future, in admission order when {@code preserve_ordering} is set. */
  private void complete(InferenceJob job, Map<String, Tensor> result, ServingException error) {
    if (!preserveOrdering) {
      settle(job, result, error);
      return;
    }
    List<InferenceJob> ready = new ArrayList<>();
    lock.lock();
    try {
      job.result = result;
      job.error = error;
      job.finished = true;
      while (!ordered.isEmpty() && ordered.peekFirst().finished) {
        ready.add(ordered.pollFirst());
      }
    } finally {
      lock.unlock();
    }
    for (InferenceJob done : ready) {
      settle(done, done.result, done.error);
    }
  }

  private static void settle(InferenceJob job, Map<String, Tensor> result, ServingException error) {
    if (error != null) {
      job.future.completeExceptionally(error);
    } else {
      job.future.complete(result);
    }
  }
}
