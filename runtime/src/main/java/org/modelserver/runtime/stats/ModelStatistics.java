package org.modelserver.runtime.stats;

import java.util.EnumMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The statistics of one model version with the meanings of Triton's statistics extension. Updated
 * from many threads without locks; read at any time.
 *
 * <p>Per request: {@code success}/{@code fail} with the whole request duration, {@code queue}, and
 * the compute durations of the batch it ran in. Per execution: {@code execution_count} and {@code
 * batch_stats} by batch size. {@code inference_count} counts inferences (batch rows), not requests.
 */
public final class ModelStatistics extends ComputeDurations {
  private final String model;
  private final long version;
  private final Duration success = new Duration();
  private final Duration fail = new Duration();
  private final Duration queue = new Duration();
  private final LongAdder inferenceCount = new LongAdder();
  private final LongAdder executionCount = new LongAdder();
  private final AtomicLong lastInferenceMillis = new AtomicLong();
  private final AtomicInteger pending = new AtomicInteger();
  private final Map<FailureReason, LongAdder> failures = new EnumMap<>(FailureReason.class);
  private final NavigableMap<Integer, BatchStats> batches = new ConcurrentSkipListMap<>();

  /** While true (a version's warm-up), requests and executions are not counted. */
  private volatile boolean muted;

  public ModelStatistics(String model, long version) {
    this.model = model;
    this.version = version;
    for (FailureReason reason : FailureReason.values()) {
      failures.put(reason, new LongAdder());
    }
  }

  public String model() {
    return model;
  }

  public long version() {
    return version;
  }

  /**
   * Stops or resumes counting requests and executions: warm-up runs are not traffic, as in Triton.
   * Switch only while no request is in flight.
   */
  public void mute(boolean value) {
    muted = value;
  }

  /** Whether requests are not counted now (a warm-up runs). */
  public boolean isMuted() {
    return muted;
  }

  /** A request entered the queue. */
  public void enqueued() {
    pending.incrementAndGet();
  }

  /** A request left the queue (for execution, rejection or cancellation). */
  public void dequeued() {
    pending.decrementAndGet();
  }

  /**
   * A request succeeded.
   *
   * @param rows its batch dimension (1 for a model that does not batch)
   * @param queueNs time it waited in the queue
   * @param inputNs, inferNs, outputNs the compute durations of the execution it ran in
   * @param requestNs the whole request duration, from arrival to response
   */
  public void requestSucceeded(
      int rows, long queueNs, long inputNs, long inferNs, long outputNs, long requestNs) {
    if (muted) {
      return;
    }
    success.add(requestNs);
    queue.add(queueNs);
    addCompute(inputNs, inferNs, outputNs);
    inferenceCount.add(rows);
    lastInferenceMillis.set(System.currentTimeMillis());
  }

  public void requestFailed(FailureReason reason, long requestNs) {
    if (muted) {
      return;
    }
    fail.add(requestNs);
    failures.get(reason).increment();
  }

  /** One execution of a batch of {@code batchSize} rows. */
  public void executed(int batchSize, long inputNs, long inferNs, long outputNs) {
    if (muted) {
      return;
    }
    executionCount.increment();
    batches.computeIfAbsent(batchSize, BatchStats::new).addCompute(inputNs, inferNs, outputNs);
  }

  public Duration success() {
    return success;
  }

  public Duration fail() {
    return fail;
  }

  public Duration queue() {
    return queue;
  }

  public long inferenceCount() {
    return inferenceCount.sum();
  }

  public long executionCount() {
    return executionCount.sum();
  }

  /** Milliseconds since the epoch of the last successful inference, 0 if none. */
  public long lastInferenceMillis() {
    return lastInferenceMillis.get();
  }

  public int pendingRequests() {
    return pending.get();
  }

  public long failures(FailureReason reason) {
    return failures.get(reason).sum();
  }

  /** Batch statistics by batch size, ascending. */
  public NavigableMap<Integer, BatchStats> batchStats() {
    return java.util.Collections.unmodifiableNavigableMap(batches);
  }
}
