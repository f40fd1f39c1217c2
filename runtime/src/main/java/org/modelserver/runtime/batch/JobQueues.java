package org.modelserver.runtime.batch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.TreeSet;
import org.modelserver.runtime.config.DynamicBatching;
import org.modelserver.runtime.config.QueuePolicy;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.stats.FailureReason;
import org.modelserver.runtime.stats.ModelStatistics;

/**
 * The jobs waiting in one scheduler: a FIFO per priority level, then the jobs a DELAY queue policy
 * moved behind every other, with each level's queue policy applied. Not thread-safe: the scheduler
 * guards it with its lock.
 *
 * <p>Nothing the scheduler does under its lock is linear in the queue's length: adding, removing
 * (for a batch or a cancellation), the earliest deadline and the oldest arrival are O(1) or O(log
 * n), and expiring costs O(log n) per expired job.
 */
final class JobQueues {
  /** How long a caller refused by a full queue is told to wait before retrying. */
  static final Duration RETRY_AFTER_FULL = Duration.ofSeconds(1);

  private static final Comparator<InferenceJob> BY_DEADLINE =
      Comparator.<InferenceJob>comparingLong(job -> job.deadlineNanos)
          .thenComparingLong(job -> job.sequence);

  private final String model;
  private final DynamicBatching policy;
  private final ModelStatistics stats;
  private final List<LinkedHashSet<InferenceJob>> levels = new ArrayList<>();
  private final LinkedHashSet<InferenceJob> delayed = new LinkedHashSet<>();
  // Every waiting job in admission order, which is also arrival order.
  private final LinkedHashSet<InferenceJob> all = new LinkedHashSet<>();
  // The jobs with a queue-policy deadline that have not timed out yet, earliest first.
  private final TreeSet<InferenceJob> deadlines = new TreeSet<>(BY_DEADLINE);
  // Per level, including its jobs moved to the delayed queue: they count toward max_queue_size.
  private final int[] waitingPerLevel;

  JobQueues(String model, DynamicBatching policy, ModelStatistics stats) {
    this.model = model;
    this.policy = policy;
    this.stats = stats;
    int count = Math.max(1, policy.priorityLevels());
    for (int i = 0; i < count; i++) {
      levels.add(new LinkedHashSet<>());
    }
    this.waitingPerLevel = new int[count];
  }

  /**
   * The priority level of a request's {@code priority} parameter (0 when the model has no levels).
   *
   * @throws ServingException INVALID_ARGUMENT for a level the model does not have
   */
  int level(long priority) {
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

  /** The queue policy of a level. */
  QueuePolicy policyOf(int level) {
    return policy.queuePolicy(policy.priorityLevels() == 0 ? 0 : level);
  }

  /** Whether a job at this level would be refused because its queue is full. */
  boolean isFull(int level) {
    int max = policyOf(level).maxQueueSize();
    return max > 0 && waitingPerLevel[index(level)] >= max;
  }

  /** Whether any level's queue has room for one more job. */
  boolean hasRoom() {
    for (int i = 0; i < waitingPerLevel.length; i++) {
      if (!isFull(policy.priorityLevels() == 0 ? 0 : i + 1)) {
        return true;
      }
    }
    return false;
  }

  /** What is full, for the message of an early refusal: the waiting count and the limit. */
  String fullness() {
    return size()
        + " requests waiting (max_queue_size "
        + policyOf(policy.priorityLevels() == 0 ? 0 : policy.defaultPriorityLevel()).maxQueueSize()
        + (policy.priorityLevels() > 0 ? " at the default priority" : "")
        + ")";
  }

  /**
   * Appends a job to its level's queue.
   *
   * @throws ServingException CAPACITY_EXCEEDED when the level already holds max_queue_size jobs
   */
  void add(InferenceJob job) {
    int index = index(job.priorityLevel);
    if (isFull(job.priorityLevel)) {
      stats.requestFailed(FailureReason.REJECTED, 0);
      throw ServingException.overloaded(
          "model '"
              + model
              + "' queue is full: "
              + waitingPerLevel[index]
              + " requests waiting"
              + (policy.priorityLevels() > 0 ? " at priority " + job.priorityLevel : "")
              + " (max_queue_size "
              + policyOf(job.priorityLevel).maxQueueSize()
              + "); retry later",
          RETRY_AFTER_FULL);
    }
    levels.get(index).add(job);
    all.add(job);
    if (job.deadlineNanos != Long.MAX_VALUE) {
      deadlines.add(job);
    }
    waitingPerLevel[index]++;
    job.queued = true;
    stats.enqueued();
  }

  /** Jobs waiting, delayed ones included. */
  int size() {
    return all.size();
  }

  /** Jobs in priority order, then arrival order; timed-out DELAY jobs last. */
  Iterator<InferenceJob> inOrder() {
    List<Iterator<InferenceJob>> parts = new ArrayList<>(levels.size() + 1);
    for (LinkedHashSet<InferenceJob> queue : levels) {
      if (!queue.isEmpty()) {
        parts.add(queue.iterator());
      }
    }
    if (!delayed.isEmpty()) {
      parts.add(delayed.iterator());
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

  /**
   * Takes a job out of the queues, for a batch or because its caller cancelled it.
   *
   * @return whether it was still waiting
   */
  boolean remove(InferenceJob job) {
    if (!job.queued) {
      return false;
    }
    (job.delayed ? delayed : levels.get(index(job.priorityLevel))).remove(job);
    deadlines.remove(job);
    left(job);
    return true;
  }

  /**
   * Applies the queue policies' timeouts: DELAY jobs move behind every other job, REJECT jobs
   * leave.
   *
   * @return the rejected jobs, for failing outside the lock
   */
  List<InferenceJob> expire(long now) {
    List<InferenceJob> rejected = new ArrayList<>();
    while (!deadlines.isEmpty() && deadlines.first().deadlineNanos <= now) {
      InferenceJob job = deadlines.pollFirst();
      levels.get(index(job.priorityLevel)).remove(job);
      if (policyOf(job.priorityLevel).timeoutAction() == QueuePolicy.TimeoutAction.DELAY) {
        job.delayed = true;
        delayed.add(job);
      } else {
        left(job);
        rejected.add(job);
      }
    }
    return rejected;
  }

  /** Empties the queues; returns every job they held. */
  List<InferenceJob> clear() {
    List<InferenceJob> drained = new ArrayList<>(all);
    for (InferenceJob job : drained) {
      job.queued = false;
      stats.dequeued();
    }
    levels.forEach(LinkedHashSet::clear);
    delayed.clear();
    all.clear();
    deadlines.clear();
    java.util.Arrays.fill(waitingPerLevel, 0);
    return drained;
  }

  /** The earliest queue-policy deadline of a job not yet timed out, or Long.MAX_VALUE. */
  long earliestDeadline() {
    return deadlines.isEmpty() ? Long.MAX_VALUE : deadlines.first().deadlineNanos;
  }

  /** The arrival time of the oldest job, or Long.MAX_VALUE when none waits. */
  long oldestArrival() {
    return all.isEmpty() ? Long.MAX_VALUE : all.iterator().next().arrivalNanos;
  }

  private void left(InferenceJob job) {
    all.remove(job);
    job.queued = false;
    waitingPerLevel[index(job.priorityLevel)]--;
    stats.dequeued();
  }

  private int index(int level) {
    return policy.priorityLevels() == 0 ? 0 : level - 1;
  }
}
