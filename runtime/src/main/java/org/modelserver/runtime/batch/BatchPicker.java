package org.modelserver.runtime.batch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import org.modelserver.runtime.config.DynamicBatching;

/**
 * Chooses the jobs of the next batch with the rules of Triton's dynamic batcher: a batch goes at
 * once when it reaches a preferred size or the next request would not fit, otherwise when its
 * oldest request has waited {@code max_queue_delay_microseconds}. Jobs whose non-batch dimensions
 * differ never share a batch. Holds no state; the scheduler calls it under its lock.
 */
final class BatchPicker {
  private final boolean batching;
  private final int maxBatch;
  private final int[] preferred;
  private final long delayNanos;
  private final long maxBatchBytes;

  /**
   * @param batching whether requests are merged at all (else each executes alone)
   * @param maxBatch the most rows of a batch
   * @param policy the validated dynamic batching settings
   */
  BatchPicker(boolean batching, int maxBatch, DynamicBatching policy) {
    this(batching, maxBatch, policy, MAX_BATCH_BYTES);
  }

  /** The most bytes of one input a batch may join: a direct buffer holds up to 2 GiB - 1. */
  static final long MAX_BATCH_BYTES = Integer.MAX_VALUE - 8L;

  /**
   * @param maxBatchBytes the most input bytes one batch may join; a job that would pass it starts
   *     the next batch instead
   */
  BatchPicker(boolean batching, int maxBatch, DynamicBatching policy, long maxBatchBytes) {
    this.maxBatchBytes = maxBatchBytes;
    this.batching = batching;
    this.maxBatch = batching ? maxBatch : 1;
    this.preferred =
        policy.preferredBatchSizes().isEmpty()
            ? new int[] {this.maxBatch}
            : policy.preferredBatchSizes().stream().mapToInt(Integer::intValue).sorted().toArray();
    this.delayNanos = Math.multiplyExact(policy.maxQueueDelayMicros(), 1000L);
  }

  boolean batching() {
    return batching;
  }

  long delayNanos() {
    return delayNanos;
  }

  /**
   * The jobs of the next batch, or null when every candidate batch should wait for more requests.
   * Candidates are the queued jobs grouped by shape, tried in the order of their first job, so a
   * ready batch of one shape never waits behind an unready one of another.
   *
   * @param order every queued job, in the order batches take them
   * @param flush send what is queued without waiting for the queue delay (a draining scheduler)
   */
  List<InferenceJob> pick(Iterator<InferenceJob> order, long now, boolean flush) {
    if (!batching) {
      List<InferenceJob> single = new ArrayList<>(1);
      single.add(order.next());
      return single;
    }
    LinkedHashMap<InferenceJob.ShapeKey, List<InferenceJob>> groups = new LinkedHashMap<>();
    // The first group is tried first: once it holds a full batch, the jobs behind it cannot change
    // the pick, so a deep queue is not scanned to its end.
    List<InferenceJob> firstGroup = null;
    long firstRows = 0;
    while (order.hasNext() && firstRows < maxBatch) {
      InferenceJob job = order.next();
      List<InferenceJob> group = groups.computeIfAbsent(job.shapeKey, key -> new ArrayList<>());
      group.add(job);
      if (firstGroup == null) {
        firstGroup = group;
      }
      if (group == firstGroup) {
        firstRows += job.rows;
      }
    }
    for (List<InferenceJob> group : groups.values()) {
      List<InferenceJob> picked = pickFrom(group, now, flush);
      if (picked != null) {
        return picked;
      }
    }
    return null;
  }

  /** The batch to send from jobs of one shape (in queue order), or null to keep waiting. */
  private List<InferenceJob> pickFrom(List<InferenceJob> group, long now, boolean flush) {
    InferenceJob first = group.get(0);
    int rows = first.rows;
    int count = 1;
    int[] prefixRows = new int[Math.min(group.size(), maxBatch) + 1];
    prefixRows[0] = rows;
    long oldestArrival = first.arrivalNanos;
    long bytes = first.bytes;
    boolean full = rows >= maxBatch;
    for (int i = 1; i < group.size() && !full; i++) {
      InferenceJob next = group.get(i);
      if (rows + next.rows > maxBatch || bytes + next.bytes > maxBatchBytes) {
        full = true;
        break;
      }
      rows += next.rows;
      bytes += next.bytes;
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
    // Draining skips only the wait: the batch is still bounded as above.
    return full || flush ? picked : null;
  }

  /** How many of the picked jobs make the largest preferred size, or 0 when none does. */
  private int largestPreferredPrefix(int[] prefixRows, int count) {
    for (int i = count - 1; i >= 0; i--) {
      if (Arrays.binarySearch(preferred, prefixRows[i]) >= 0) {
        return i + 1;
      }
    }
    return 0;
  }
}
