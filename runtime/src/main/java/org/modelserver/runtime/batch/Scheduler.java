package org.modelserver.runtime.batch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import org.modelserver.runtime.concurrent.DaemonThreads;
import org.modelserver.runtime.config.DynamicBatching;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.RunStop;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.stats.ModelStatistics;
import org.modelserver.runtime.tensor.Tensor;

/**
 * The scheduler of one model version, with the semantics of Triton's dynamic batcher: requests
 * queue by priority then arrival, and are merged into batches that execute on a pool of engine
 * sessions (the model's instances).
 *
 * <p>A batch is sent at once when it reaches a preferred size or the next request would not fit;
 * otherwise when its oldest request has waited {@code max_queue_delay_microseconds} ({@link
 * BatchPicker}). Requests whose non-batch dimensions differ never share an execution. Without
 * dynamic batching every request executes alone, still through the instance pool and the queue
 * policies ({@link JobQueues}).
 *
 * <p>The submitting thread runs the first batch it forms itself when an instance is free, so a
 * request on an idle model costs no thread hand-off. Batches formed when an execution finishes run
 * on the finishing thread; only extra ones go to the executor.
 *
 * <p>It ends in one of two ways. {@link #drain()} (a hot swap) stops admitting, executes everything
 * already admitted without waiting for the queue delay, then closes the instances. {@link #close()}
 * (a hard stop) stops admitting, fails what is queued, and closes each instance once its running
 * batch is done. Either way no instance is closed under a running execution.
 */
public final class Scheduler implements RequestScheduler {
  private final String model;
  private final ModelConfig config;
  private final BatchPicker picker;
  private final BatchRunner runner;
  private final ModelStatistics stats;
  private final SchedulerClock clock;
  private final Executor executor;
  private final ReentrantLock lock = new ReentrantLock();
  // Guarded by lock from here on.
  private final InstancePool pool;
  private final JobQueues queues;
  private long wakeupAt = Long.MAX_VALUE;
  private long sequence;
  // Jobs of formed batches whose instance has not been released yet.
  private int running;
  private State state = State.OPEN;

  private enum State {
    /** Admits requests. */
    OPEN,
    /** Admits none; executes what is queued without delay, then retires every instance. */
    DRAINING,
    /** Admits none and holds none; instances retire as soon as nothing runs on them. */
    CLOSED
  }

  /**
   * @param config the model's completed config
   * @param instances the sessions batches execute on; the scheduler owns and closes them
   * @param stats where executions and request outcomes are recorded
   * @param clock time and timers (a fake one in tests)
   * @param executor runs batches that the finishing or submitting thread does not run itself
   */
  public Scheduler(
      ModelConfig config,
      List<EngineSession> instances,
      ModelStatistics stats,
      SchedulerClock clock,
      Executor executor) {
    this(config, instances, stats, clock, executor, 0);
  }

  /**
   * @param defaultMaxQueueSize the queue size of a policy whose config leaves it unset, as for a
   *     model without {@code dynamic_batching} (0: unbounded)
   */
  public Scheduler(
      ModelConfig config,
      List<EngineSession> instances,
      ModelStatistics stats,
      SchedulerClock clock,
      Executor executor,
      int defaultMaxQueueSize) {
    this.pool = new InstancePool(instances);
    this.model = config.name();
    this.config = config;
    boolean batching = config.batched() && config.dynamicBatching().isPresent();
    DynamicBatching policy =
        config
            .dynamicBatching()
            .orElse(DynamicBatching.defaults())
            .withDefaultQueueSize(defaultMaxQueueSize);
    if (batching) {
      policy.validate(config.maxBatch());
    }
    this.picker = new BatchPicker(batching, config.maxBatch(), policy);
    this.runner = new BatchRunner(config.batched(), policy.preserveOrdering(), stats, clock, lock);
    this.queues = new JobQueues(model, policy, stats);
    this.stats = stats;
    this.clock = clock;
    this.executor = executor;
  }

  /**
   * A scheduler on the system clock with its own pool of one thread per instance, shut down when
   * the scheduler's last instance is closed.
   */
  public static Scheduler create(
      ModelConfig config,
      List<EngineSession> instances,
      ModelStatistics stats,
      String threadName,
      int defaultMaxQueueSize) {
    ExecutorService pool =
        Executors.newFixedThreadPool(instances.size(), DaemonThreads.numbered(threadName));
    Scheduler scheduler =
        new Scheduler(
            config, instances, stats, SystemSchedulerClock.INSTANCE, pool, defaultMaxQueueSize);
    scheduler.pool.onClose(pool::shutdown);
    return scheduler;
  }

  /** The first instance, for callers that need a session's metadata. */
  public EngineSession primaryInstance() {
    return pool.primary();
  }

  public int instanceCount() {
    return pool.size();
  }

  /**
   * Admits a validated request.
   *
   * @param inputs the request's inputs, validated against the config
   * @param outputs the outputs it wants
   * @param priority its {@code priority} parameter (0: the default level)
   * @param timeoutMicros its {@code timeout} parameter in µs (0: none)
   * @return its outputs, or a {@link ServingException}: CAPACITY_EXCEEDED when a queue policy
   *     timeout rejects it, UNAVAILABLE when the scheduler is closed while it waits, or the
   *     engine's error. Cancelling this future takes the request out of the queue when it has not
   *     started to run
   * @throws SchedulerDrainingException once {@link #drain()} or {@link #close()} has started
   * @throws ServingException CAPACITY_EXCEEDED when its queue is full, INVALID_ARGUMENT for a
   *     priority the model does not have
   */
  @Override
  public CompletableFuture<Map<String, Tensor>> submit(
      Map<String, Tensor> inputs, List<String> outputs, long priority, long timeoutMicros) {
    int level = queues.level(priority);
    long timeoutNanos = queues.policyOf(level).timeoutNanos(timeoutMicros);
    inputs = BatchAssembler.inConfigOrder(config, inputs);
    int rows = config.batched() ? Math.toIntExact(inputs.values().iterator().next().dim(0)) : 1;
    InferenceJob.ShapeKey shapeKey = InferenceJob.ShapeKey.of(inputs, config.batched());
    Work work;
    InferenceJob job;
    lock.lock();
    try {
      if (state != State.OPEN) {
        throw new SchedulerDrainingException(model, stats.version());
      }
      long now = clock.nanoTime();
      job = new InferenceJob(inputs, outputs, rows, level, now, timeoutNanos, shapeKey, sequence);
      queues.add(job);
      sequence++;
      runner.admitted(job);
      work = formBatches(now);
    } finally {
      lock.unlock();
    }
    InferenceJob admitted = job;
    // A caller that gives up cancels the future: a job still waiting then leaves the queue unrun.
    job.future.whenComplete(
        (result, failure) -> {
          if (failure instanceof CancellationException) {
            withdraw(admitted);
          }
        });
    // The caller runs one batch itself; what that frees up goes to the executor.
    Batch mine = dispatch(work, true);
    if (mine != null) {
      try {
        runner.run(mine.jobs, mine.session);
      } finally {
        release(mine, false); // the instance returns to the pool whatever the run threw
      }
    }
    return job.future;
  }

  /**
   * Whether some priority level's queue has room now; a hint for refusing early (before a body is
   * read), not a promise: {@link #submit} decides atomically. A draining scheduler answers true so
   * that its requests go on to the version replacing it.
   */
  public boolean hasRoom() {
    return queueFull().isEmpty();
  }

  /**
   * Why no priority level's queue has room now (the waiting count and the limit), or empty when one
   * has; a hint for refusing early, as {@link #hasRoom()}.
   */
  @Override
  public java.util.Optional<String> queueFull() {
    lock.lock();
    try {
      return state != State.OPEN || queues.hasRoom()
          ? java.util.Optional.empty()
          : java.util.Optional.of(queues.fullness());
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes a cancelled job out of the queue if it has not started; a started one that runs alone is
   * stopped where the engine can (ONNX Runtime), one that shares its batch runs on.
   */
  private void withdraw(InferenceJob job) {
    boolean removed;
    lock.lock();
    try {
      removed = queues.remove(job);
    } finally {
      lock.unlock();
    }
    if (removed) {
      runner.cancelled(job);
      return;
    }
    RunStop stop = job.stop;
    if (stop != null) {
      stop.stop();
    }
  }

  /** A formed batch and the instance it will run on. */
  private record Batch(List<InferenceJob> jobs, EngineSession session) {}

  /**
   * What a pass under the lock decided, for acting on once the lock is released: batches to run,
   * timed-out jobs to fail, and whether it retired the last instance.
   */
  private record Work(List<Batch> batches, List<InferenceJob> expired, boolean retiredLast) {
    static final Work NONE = new Work(List.of(), List.of(), false);

    static Work retiring(boolean retiredLast) {
      return new Work(List.of(), List.of(), retiredLast);
    }
  }

  /**
   * Forms every batch that can be sent now, and retires the instances when a drain is done; called
   * with the lock held.
   */
  private Work formBatches(long now) {
    List<InferenceJob> expired = queues.expire(now);
    List<Batch> batches = new ArrayList<>();
    while (pool.hasIdle() && queues.size() > 0) {
      List<InferenceJob> picked = picker.pick(queues.inOrder(), now, state == State.DRAINING);
      if (picked == null) {
        break;
      }
      for (InferenceJob job : picked) {
        queues.remove(job);
      }
      running += picked.size();
      batches.add(new Batch(picked, pool.take()));
    }
    scheduleWakeup(now);
    return new Work(batches, expired, retireIfDrained());
  }

  /**
   * Acts on what a pass decided: fails the timed-out jobs, hands batches to the executor, and
   * completes the drain future when the last instance was retired.
   *
   * @param keepOne whether the calling thread will run one of the batches itself
   * @return the batch for the calling thread to run, or null
   */
  private Batch dispatch(Work work, boolean keepOne) {
    runner.reject(work.expired, model);
    Batch mine = null;
    for (int i = 0; i < work.batches.size(); i++) {
      Batch batch = work.batches.get(i);
      if (i == 0 && keepOne) {
        mine = batch;
      } else {
        executor.execute(() -> runAndContinue(batch));
      }
    }
    if (work.retiredLast) {
      pool.terminate();
    }
    return mine;
  }

  /** Sets a timer for the next queue-policy deadline or queue-delay expiry; lock held. */
  private void scheduleWakeup(long now) {
    if (queues.size() == 0) {
      return;
    }
    long next = queues.earliestDeadline();
    if (pool.hasIdle() && picker.batching()) {
      long oldest = queues.oldestArrival();
      if (oldest != Long.MAX_VALUE) {
        next = Math.min(next, oldest + picker.delayNanos());
      }
    }
    if (next == Long.MAX_VALUE || next >= wakeupAt) {
      return;
    }
    wakeupAt = next;
    clock.schedule(Math.max(0, next - now), this::onTimer);
  }

  private void onTimer() {
    Work work;
    lock.lock();
    try {
      long now = clock.nanoTime();
      if (now >= wakeupAt) {
        wakeupAt = Long.MAX_VALUE;
      }
      if (state == State.CLOSED) {
        return;
      }
      work = formBatches(now);
    } finally {
      lock.unlock();
    }
    dispatch(work, false);
  }

  /** Runs a batch on an executor thread, then keeps that thread busy while batches are ready. */
  private void runAndContinue(Batch batch) {
    Batch current = batch;
    while (current != null) {
      Batch next = null;
      try {
        runner.run(current.jobs, current.session);
      } finally {
        next = release(current, true);
      }
      current = next;
    }
  }

  /**
   * Returns a finished batch's instance to the pool and dispatches what became possible.
   *
   * @param keepOne whether the calling thread will run one of the new batches itself
   * @return the batch for the calling thread to run, or null
   */
  private Batch release(Batch finished, boolean keepOne) {
    Work work;
    lock.lock();
    try {
      running -= finished.jobs.size();
      if (state == State.CLOSED) {
        // Closed while this batch ran: the instance is freed now that nothing runs on it.
        work = Work.retiring(pool.retire(List.of(finished.session)));
      } else {
        pool.release(finished.session);
        work = formBatches(clock.nanoTime());
      }
    } finally {
      lock.unlock();
    }
    return dispatch(work, keepOne);
  }

  /**
   * Stops admitting requests (they are refused with {@link SchedulerDrainingException}), executes
   * every request already admitted, then closes the instances and shuts the executor down. Queued
   * requests no longer wait for {@code max_queue_delay_microseconds}; preferred sizes, the maximum
   * batch size and queue-policy timeouts still apply. Safe to call from any thread, including one
   * running a batch of this scheduler; the calling thread never runs a batch itself.
   *
   * @return a future completed once every instance is closed, exceptionally when closing one
   *     failed; the same future on every call, also after or during {@link #close()}. It completes
   *     on the thread that closes the last instance, possibly a batch thread: do not block in its
   *     callbacks
   */
  @Override
  public CompletableFuture<Void> drain() {
    Work work = Work.NONE;
    lock.lock();
    try {
      if (state == State.OPEN) {
        state = State.DRAINING;
        work = formBatches(clock.nanoTime());
      }
    } finally {
      lock.unlock();
    }
    dispatch(work, false);
    return pool.terminated();
  }

  /** Whether {@link #drain()} or {@link #close()} has started: no request is admitted any more. */
  public boolean isDraining() {
    lock.lock();
    try {
      return state != State.OPEN;
    } finally {
      lock.unlock();
    }
  }

  /** Requests admitted and not yet done: those queued plus those in batches being executed. */
  public int pendingRequests() {
    lock.lock();
    try {
      return queues.size() + running;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Refuses new requests, fails every queued one with UNAVAILABLE, and closes the instances: at
   * once when idle, otherwise as soon as their running batch completes. Stops a drain in progress,
   * whose future still completes once the instances are closed. Safe to call from any thread,
   * including one running a batch of this scheduler.
   *
   * @throws RuntimeException what closing an instance threw, when this call closed the last one
   */
  @Override
  public void close() {
    List<InferenceJob> waiting;
    lock.lock();
    try {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
      waiting = queues.clear();
    } finally {
      lock.unlock();
    }
    runner.fail(waiting, ServingException.unavailable("model '" + model + "' was unloaded"));
    boolean retiredLast;
    lock.lock();
    try {
      // Idle instances close now; an instance running a batch closes when the batch is done, so
      // native memory is never freed under a running execution.
      retiredLast = pool.retireIdle();
    } finally {
      lock.unlock();
    }
    if (retiredLast) {
      pool.terminate();
      if (pool.closeFailure() != null) {
        throw pool.closeFailure();
      }
    }
  }

  /**
   * Retires every instance once a drain has nothing left to execute; called with the lock held.
   *
   * @return whether this retired the last instance
   */
  private boolean retireIfDrained() {
    if (state != State.DRAINING || queues.size() > 0 || !pool.allIdle()) {
      return false;
    }
    state = State.CLOSED;
    return pool.retireIdle();
  }
}
