package org.modelserver.runtime.batch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.repository.DynamicBatching;
import org.modelserver.runtime.repository.ModelConfig;
import org.modelserver.runtime.repository.QueuePolicy;
import org.modelserver.runtime.stats.FailureReason;
import org.modelserver.runtime.stats.ModelStatistics;
import org.modelserver.runtime.tensor.Tensor;

/**
 * The scheduler of one model version, with the semantics of Triton's dynamic batcher: requests
 * queue by priority then arrival, and are merged into batches that execute on a pool of engine
 * sessions (the model's instances).
 *
 * <p>A batch is sent at once when it reaches a preferred size or the next request would not fit;
 * otherwise when its oldest request has waited {@code max_queue_delay_microseconds}. Requests whose
 * non-batch dimensions differ never share an execution. Without dynamic batching every request
 * executes alone, still through the instance pool and the queue policies.
 *
 * <p>The submitting thread runs the first batch it forms itself when an instance is free, so a
 * request on an idle model costs no thread hand-off. Batches formed when an execution finishes run
 * on the finishing thread; only extra ones go to the executor.
 */
public final class Scheduler implements AutoCloseable {
  private final String model;
  private final ModelConfig config;
  private final boolean batching;
  private final int maxBatch;
  private final int[] preferred;
  private final long delayNanos;
  private final DynamicBatching policy;
  private final List<ArrayDeque<InferenceJob>> queues = new ArrayList<>();
  private final ArrayDeque<InferenceJob> delayedQueue = new ArrayDeque<>();
  private final ArrayDeque<InferenceJob> ordered = new ArrayDeque<>();
  private final ArrayDeque<EngineSession> idle = new ArrayDeque<>();
  private final List<EngineSession> instances;
  private final ModelStatistics stats;
  private final SchedulerClock clock;
  private final Executor executor;
  private final ReentrantLock lock = new ReentrantLock();
  private final int[] waitingPerLevel;
  private long wakeupAt = Long.MAX_VALUE;
  private long sequence;
  private int queued;
  private int retired;
  private boolean closed;
  private Runnable onClose = () -> {};

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
    if (instances.isEmpty()) {
      throw new IllegalArgumentException("a scheduler needs at least one instance");
    }
    this.model = config.name();
    this.config = config;
    this.batching = config.batched() && config.dynamicBatching().isPresent();
    this.maxBatch = batching ? config.maxBatch() : 1;
    this.policy = config.dynamicBatching().orElse(DynamicBatching.defaults());
    if (batching) {
      policy.validate(maxBatch);
    }
    this.preferred =
        policy.preferredBatchSizes().isEmpty()
            ? new int[] {maxBatch}
            : policy.preferredBatchSizes().stream().mapToInt(Integer::intValue).sorted().toArray();
    this.delayNanos = Math.multiplyExact(policy.maxQueueDelayMicros(), 1000L);
    int levels = Math.max(1, policy.priorityLevels());
    for (int i = 0; i < levels; i++) {
      queues.add(new ArrayDeque<>());
    }
    this.waitingPerLevel = new int[levels];
    this.instances = List.copyOf(instances);
    idle.addAll(instances);
    this.stats = stats;
    this.clock = clock;
    this.executor = executor;
  }

  /**
   * A scheduler on the system clock with its own pool of one thread per instance, shut down when
   * the scheduler closes.
   */
  public static Scheduler create(
      ModelConfig config, List<EngineSession> instances, ModelStatistics stats, String threadName) {
    java.util.concurrent.atomic.AtomicInteger counter =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(
            instances.size(),
            task -> {
              Thread thread = new Thread(task, threadName + "-" + counter.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    Scheduler scheduler =
        new Scheduler(config, instances, stats, SystemSchedulerClock.INSTANCE, pool);
    scheduler.onClose = pool::shutdown;
    return scheduler;
  }

  /** The first instance, for callers that need a session's metadata. */
  public EngineSession primaryInstance() {
    return instances.get(0);
  }

  public int instanceCount() {
    return instances.size();
  }

  /**
   * Admits a validated request.
   *
   * @param inputs the request's inputs, validated against the config
   * @param outputs the outputs it wants
   * @param priority its {@code priority} parameter (0: the default level)
   * @param timeoutMicros its {@code timeout} parameter in µs (0: none)
   * @return its outputs, or a {@link ServingException}: CAPACITY_EXCEEDED when rejected by a queue
   *     policy, UNAVAILABLE when the scheduler closed, or the engine's error
   */
  public CompletableFuture<Map<String, Tensor>> submit(
      Map<String, Tensor> inputs, List<String> outputs, long priority, long timeoutMicros) {
    int level = level(priority);
    QueuePolicy queuePolicy = policy.queuePolicy(policy.priorityLevels() == 0 ? 0 : level);
    inputs = inConfigOrder(inputs);
    int rows = config.batched() ? Math.toIntExact(inputs.values().iterator().next().dim(0)) : 1;
    List<Batch> batches;
    List<InferenceJob> expired = new ArrayList<>();
    InferenceJob job;
    lock.lock();
    try {
      long now = clock.nanoTime();
      if (closed) {
        throw ServingException.unavailable("model '" + model + "' is unloading");
      }
      int index = queueIndex(level);
      ArrayDeque<InferenceJob> queue = queues.get(index);
      // Requests kept after a DELAY timeout still count toward their level's limit.
      int waiting = waitingPerLevel[index];
      if (queuePolicy.maxQueueSize() > 0 && waiting >= queuePolicy.maxQueueSize()) {
        stats.requestFailed(FailureReason.REJECTED, 0);
        throw new ServingException(
            ErrorKind.CAPACITY_EXCEEDED,
            "model '"
                + model
                + "' queue is full: "
                + waiting
                + " requests waiting"
                + (policy.priorityLevels() > 0 ? " at priority " + level : "")
                + " (max_queue_size "
                + queuePolicy.maxQueueSize()
                + ")");
      }
      job =
          new InferenceJob(
              inputs,
              outputs,
              rows,
              level,
              now,
              queuePolicy.timeoutNanos(timeoutMicros),
              InferenceJob.ShapeKey.of(inputs, config.batched()),
              sequence++);
      queue.addLast(job);
      queued++;
      waitingPerLevel[index]++;
      stats.enqueued();
      if (policy.preserveOrdering()) {
        ordered.addLast(job);
      }
      batches = formBatches(now, expired);
    } finally {
      lock.unlock();
    }
    reject(expired);
    if (!batches.isEmpty()) {
      for (int i = 1; i < batches.size(); i++) {
        Batch extra = batches.get(i);
        executor.execute(() -> runAndContinue(extra));
      }
      // The caller runs one batch itself; what that frees up goes to the executor.
      runBatch(batches.get(0));
      release(batches.get(0).session, false);
    }
    return job.future;
  }

  /**
   * The inputs in the config's order, so equal shapes give equal keys whatever the caller's order.
   */
  private Map<String, Tensor> inConfigOrder(Map<String, Tensor> inputs) {
    Map<String, Tensor> ordered = new java.util.LinkedHashMap<>();
    for (org.modelserver.runtime.repository.TensorSpec spec : config.inputs()) {
      Tensor tensor = inputs.get(spec.name());
      if (tensor != null) {
        ordered.put(spec.name(), tensor);
      }
    }
    if (ordered.size() != inputs.size()) {
      return inputs; // inputs the config does not list; validation upstream reports them
    }
    return ordered;
  }

  private int level(long priority) {
    if (priority < 0) {
      throw ServingException.invalidArgument(
          "parameter 'priority' must be 0 (default) or a level 1.." + policy.priorityLevels());
    }
    if (policy.priorityLevels() == 0) {
      return 0;
    }
    if (priority == 0) {
      return policy.defaultPriorityLevel();
    }
    if (priority > policy.priorityLevels()) {
      throw ServingException.invalidArgument(
          "parameter 'priority' "
              + priority
              + " is outside the model's priority levels 1.."
              + policy.priorityLevels()
              + " (1 is highest)");
    }
    return (int) priority;
  }

  private int queueIndex(int level) {
    return policy.priorityLevels() == 0 ? 0 : level - 1;
  }

  /** A formed batch and the instance it will run on. */
  private record Batch(List<InferenceJob> jobs, EngineSession session) {}

  /** Forms every batch that can be sent now; called with the lock held. */
  private List<Batch> formBatches(long now, List<InferenceJob> expired) {
    expire(now, expired);
    List<Batch> batches = new ArrayList<>();
    while (!idle.isEmpty() && queued > 0) {
      List<InferenceJob> picked = pick(now);
      if (picked == null) {
        break;
      }
      for (InferenceJob job : picked) {
        remove(job);
      }
      batches.add(new Batch(picked, idle.pollFirst()));
    }
    scheduleWakeup(now);
    return batches;
  }

  /**
   * The jobs of the next batch, or null when every candidate batch should wait for more requests.
   * Candidates are the queued jobs grouped by shape, tried in the order of their first job, so a
   * ready batch of one shape never waits behind an unready one of another.
   */
  private List<InferenceJob> pick(long now) {
    Iterator<InferenceJob> order = queueOrder();
    if (!batching) {
      List<InferenceJob> single = new ArrayList<>(1);
      single.add(order.next());
      return single;
    }
    java.util.LinkedHashMap<InferenceJob.ShapeKey, List<InferenceJob>> groups =
        new java.util.LinkedHashMap<>();
    while (order.hasNext()) {
      InferenceJob job = order.next();
      groups.computeIfAbsent(job.shapeKey, key -> new ArrayList<>()).add(job);
    }
    for (List<InferenceJob> group : groups.values()) {
      List<InferenceJob> picked = pickFrom(group, now);
      if (picked != null) {
        return picked;
      }
    }
    return null;
  }

  /** The batch to send from jobs of one shape (in queue order), or null to keep waiting. */
  private List<InferenceJob> pickFrom(List<InferenceJob> group, long now) {
    InferenceJob first = group.get(0);
    int rows = first.rows;
    int count = 1;
    int[] prefixRows = new int[Math.min(group.size(), maxBatch) + 1];
    prefixRows[0] = rows;
    long oldestArrival = first.arrivalNanos;
    boolean full = rows >= maxBatch;
    for (int i = 1; i < group.size() && !full; i++) {
      InferenceJob next = group.get(i);
      if (rows + next.rows > maxBatch) {
        full = true;
        break;
      }
      rows += next.rows;
      prefixRows[count++] = rows;
      oldestArrival = Math.min(oldestArrival, next.arrivalNanos);
      full = rows == maxBatch;
    }
    List<InferenceJob> picked = group.subList(0, count);
    if (now - oldestArrival >= delayNanos) {
      return picked; // the oldest has waited long enough: send everything that fits
    }
    int cut = largestPreferredPrefix(prefixRows, count);
    if (cut > 0) {
      return picked.subList(0, cut); // a preferred size is reached
    }
    return full ? picked : null;
  }

  /** How many of the picked jobs make the largest preferred size, or 0 when none does. */
  private int largestPreferredPrefix(int[] prefixRows, int count) {
    for (int i = count - 1; i >= 0; i--) {
      if (isPreferred(prefixRows[i])) {
        return i + 1;
      }
    }
    return 0;
  }

  private boolean isPreferred(int rows) {
    return Arrays.binarySearch(preferred, rows) >= 0;
  }

  /** Jobs in priority order, then arrival order; timed-out DELAY jobs last. */
  private Iterator<InferenceJob> queueOrder() {
    List<Iterator<InferenceJob>> parts = new ArrayList<>(queues.size() + 1);
    for (ArrayDeque<InferenceJob> queue : queues) {
      if (!queue.isEmpty()) {
        parts.add(queue.iterator());
      }
    }
    if (!delayedQueue.isEmpty()) {
      parts.add(delayedQueue.iterator());
    }
    return new Iterator<>() {
      private int part;

      @Override
      public boolean hasNext() {
        while (part < parts.size() && !parts.get(part).hasNext()) {
          part++;
        }
        return part < parts.size();
      }

      @Override
      public InferenceJob next() {
        hasNext();
        return parts.get(part).next();
      }
    };
  }

  private void remove(InferenceJob job) {
    ArrayDeque<InferenceJob> queue =
        job.delayed ? delayedQueue : queues.get(queueIndex(job.priorityLevel));
    queue.remove(job);
    queued--;
    waitingPerLevel[queueIndex(job.priorityLevel)]--;
    stats.dequeued();
  }

  /**
   * Applies the queue policies' timeouts; REJECT jobs are collected for failing outside the lock.
   */
  private void expire(long now, List<InferenceJob> expired) {
    for (ArrayDeque<InferenceJob> queue : queues) {
      Iterator<InferenceJob> jobs = queue.iterator();
      while (jobs.hasNext()) {
        InferenceJob job = jobs.next();
        if (job.deadlineNanos > now) {
          continue;
        }
        jobs.remove();
        QueuePolicy queuePolicy =
            policy.queuePolicy(policy.priorityLevels() == 0 ? 0 : job.priorityLevel);
        if (queuePolicy.timeoutAction() == QueuePolicy.TimeoutAction.DELAY) {
          job.delayed = true;
          delayedQueue.addLast(job);
        } else {
          queued--;
          waitingPerLevel[queueIndex(job.priorityLevel)]--;
          stats.dequeued();
          expired.add(job);
        }
      }
    }
  }

  private void scheduleWakeup(long now) {
    if (queued == 0) {
      return;
    }
    long next = Long.MAX_VALUE;
    for (ArrayDeque<InferenceJob> queue : queues) {
      for (InferenceJob job : queue) {
        next = Math.min(next, job.deadlineNanos);
      }
    }
    if (!idle.isEmpty() && batching) {
      long oldest = Long.MAX_VALUE;
      for (Iterator<InferenceJob> order = queueOrder(); order.hasNext(); ) {
        oldest = Math.min(oldest, order.next().arrivalNanos);
      }
      if (oldest != Long.MAX_VALUE) {
        next = Math.min(next, oldest + delayNanos);
      }
    }
    if (next == Long.MAX_VALUE || next >= wakeupAt) {
      return;
    }
    wakeupAt = next;
    clock.schedule(Math.max(0, next - now), this::onTimer);
  }

  private void onTimer() {
    List<Batch> batches;
    List<InferenceJob> expired = new ArrayList<>();
    lock.lock();
    try {
      long now = clock.nanoTime();
      if (now >= wakeupAt) {
        wakeupAt = Long.MAX_VALUE;
      }
      if (closed) {
        return;
      }
      batches = formBatches(now, expired);
    } finally {
      lock.unlock();
    }
    reject(expired);
    for (Batch batch : batches) {
      executor.execute(() -> runAndContinue(batch));
    }
  }

  private void reject(List<InferenceJob> expired) {
    long now = clock.nanoTime();
    for (InferenceJob job : expired) {
      stats.requestFailed(FailureReason.REJECTED, now - job.arrivalNanos);
      complete(
          job,
          null,
          new ServingException(
              ErrorKind.CAPACITY_EXCEEDED,
              "request to model '"
                  + model
                  + "' timed out after waiting "
                  + (now - job.arrivalNanos) / 1000
                  + " µs in the queue (queue policy timeout "
                  + (job.deadlineNanos - job.arrivalNanos) / 1000
                  + " µs)"));
    }
  }

  /** Runs a batch on an executor thread, then keeps that thread busy while batches are ready. */
  private void runAndContinue(Batch batch) {
    Batch current = batch;
    while (current != null) {
      runBatch(current);
      current = release(current.session, true);
    }
  }

  /**
   * Returns an instance to the pool and dispatches what became possible.
   *
   * @param keepOne whether the calling thread will run one of the new batches itself
   * @return the batch for the calling thread to run, or null
   */
  private Batch release(EngineSession session, boolean keepOne) {
    List<InferenceJob> expired = new ArrayList<>();
    List<Batch> batches;
    lock.lock();
    try {
      if (closed) {
        // Closed while this batch ran: the instance is freed now that nothing runs on it.
        retire(List.of(session));
        return null;
      }
      idle.addLast(session);
      batches = formBatches(clock.nanoTime(), expired);
    } finally {
      lock.unlock();
    }
    reject(expired);
    Batch mine = null;
    for (int i = 0; i < batches.size(); i++) {
      Batch batch = batches.get(i);
      if (i == 0 && keepOne) {
        mine = batch;
      } else {
        executor.execute(() -> runAndContinue(batch));
      }
    }
    return mine;
  }

  private void runBatch(Batch batch) {
    List<InferenceJob> jobs = batch.jobs;
    try {
      execute(jobs, batch.session);
    } catch (ServingException e) {
      if (jobs.size() > 1 && e.kind() == ErrorKind.INVALID_ARGUMENT) {
        // One request's values failed the batch; run each alone so only that one fails.
        for (InferenceJob job : jobs) {
          runAlone(job, batch.session);
        }
      } else {
        fail(jobs, e);
      }
    } catch (RuntimeException | Error e) {
      fail(jobs, ServingException.internal("execution failed: " + e, e));
    }
  }

  private void runAlone(InferenceJob job, EngineSession session) {
    try {
      execute(List.of(job), session);
    } catch (ServingException e) {
      fail(List.of(job), e);
    } catch (RuntimeException | Error e) {
      fail(List.of(job), ServingException.internal("execution failed: " + e, e));
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
    Map<String, Tensor> results = session.execute(inputs, outputNames);
    long inferred = clock.nanoTime();
    List<Map<String, Tensor>> split = BatchAssembler.splitOutputs(jobs, results, config.batched());
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

  private void fail(List<InferenceJob> jobs, ServingException error) {
    long now = clock.nanoTime();
    for (InferenceJob job : jobs) {
      stats.requestFailed(
          error.kind() == ErrorKind.UNAVAILABLE ? FailureReason.CANCELED : FailureReason.BACKEND,
          now - job.arrivalNanos);
      complete(job, null, error);
    }
  }

  /** Completes a job's future, in arrival order when {@code preserve_ordering} is set. */
  private void complete(InferenceJob job, Map<String, Tensor> result, ServingException error) {
    if (!policy.preserveOrdering()) {
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

  /**
   * Refuses new requests, fails every queued one, and closes the instances: at once when idle,
   * otherwise as soon as their running batch completes. Safe to call from any thread, including one
   * running a batch of this scheduler.
   */
  @Override
  public void close() {
    List<InferenceJob> waiting = new ArrayList<>();
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      for (ArrayDeque<InferenceJob> queue : queues) {
        waiting.addAll(queue);
        queue.clear();
      }
      waiting.addAll(delayedQueue);
      delayedQueue.clear();
      for (int i = 0; i < waiting.size(); i++) {
        stats.dequeued();
      }
      queued = 0;
      Arrays.fill(waitingPerLevel, 0);
    } finally {
      lock.unlock();
    }
    fail(waiting, ServingException.unavailable("model '" + model + "' was unloaded"));
    lock.lock();
    try {
      // Idle instances close now; an instance running a batch closes when the batch is done, so
      // native memory is never freed under a running execution.
      List<EngineSession> free = new ArrayList<>(idle);
      idle.clear();
      retire(free);
    } finally {
      lock.unlock();
    }
  }

  /** Closes instances that nothing runs on; the last one shuts the executor down. */
  private void retire(List<EngineSession> sessions) {
    for (EngineSession session : sessions) {
      session.close();
      retired++;
    }
    if (retired == instances.size() && !sessions.isEmpty()) {
      onClose.run();
    }
  }
}
