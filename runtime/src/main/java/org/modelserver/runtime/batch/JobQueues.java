package org.modelserver.runtime.batch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.modelserver.runtime.config.DynamicBatching;
import org.modelserver.runtime.config.QueuePolicy;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.stats.FailureReason;
import org.modelserver.runtime.stats.ModelStatistics;

/**
 * The jobs waiting in one scheduler: a FIFO per priority level, then the jobs a DELAY queue policy
 * moved behind every other, with each level's queue policy applied. Not thread-safe: the scheduler
 * guards it with its lock.
 */
final class JobQueues {
  private final String model;
  private final DynamicBatching policy;
  private final ModelStatistics stats;
  private final List<ArrayDeque<InferenceJob>> levels = new ArrayList<>();
  private final ArrayDeque<InferenceJob> delayed = new ArrayDeque<>();
  // Per level, including its jobs moved to the delayed queue: they count toward max_queue_size.
  private final int[] waitingPerLevel;
  private int size;

  JobQueues(String model, DynamicBatching policy, ModelStatistics stats) {
    this.model = model;
    this.policy = policy;
    this.stats = stats;
    int count = Math.max(1, policy.priorityLevels());
    for (int i = 0; i < count; i++) {
      levels.add(new ArrayDeque<>());
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

  /**
   * Appends a job to its level's queue.
   *
   * @throws ServingException CAPACITY_EXCEEDED when the level already holds max_queue_size jobs
   */
  void add(InferenceJob job) {
    int index = index(job.priorityLevel);
    QueuePolicy queuePolicy = policyOf(job.priorityLevel);
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
              + (policy.priorityLevels() > 0 ? " at priority " + job.priorityLevel : "")
              + " (max_queue_size "
              + queuePolicy.maxQueueSize()
              + ")");
    }
    levels.get(index).addLast(job);
    size++;
    waitingPerLevel[index]++;
    stats.enqueued();
  }

  /** Jobs waiting, delayed ones included. */
  int size() {
    return size;
  }

  /** Jobs in priority order, then arrival order; timed-out DELAY jobs last. */
  Iterator<InferenceJob> inOrder() {
    List<Iterator<InferenceJob>> parts = new ArrayList<>(levels.size() + 1);
    for (ArrayDeque<InferenceJob> queue : levels) {
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

  /** Takes a job out of the queues, for a batch. */
  void remove(InferenceJob job) {
    ArrayDeque<InferenceJob> queue = job.delayed ? delayed : levels.get(index(job.priorityLevel));
    queue.remove(job);
    left(job);
  }

  /**
   * Applies the queue policies' timeouts: DELAY jobs move behind every other job, REJECT jobs
   * leave.
   *
   * @return the rejected jobs, for failing outside the lock
   */
  List<InferenceJob> expire(long now) {
    List<InferenceJob> rejected = new ArrayList<>();
    for (ArrayDeque<InferenceJob> queue : levels) {
      Iterator<InferenceJob> jobs = queue.iterator();
      while (jobs.hasNext()) {
        InferenceJob job = jobs.next();
        if (job.deadlineNanos > now) {
          continue;
        }
        jobs.remove();
        if (policyOf(job.priorityLevel).timeoutAction() == QueuePolicy.TimeoutAction.DELAY) {
          job.delayed = true;
          delayed.addLast(job);
        } else {
          left(job);
          rejected.add(job);
        }
      }
    }
    return rejected;
  }

  /** Empties the queues; returns every job they held. */
  List<InferenceJob> clear() {
    List<InferenceJob> all = new ArrayList<>(size);
    for (Iterator<InferenceJob> jobs = inOrder(); jobs.hasNext(); ) {
      InferenceJob job = jobs.next();
      all.add(job);
      left(job);
    }
    levels.forEach(ArrayDeque::clear);
    delayed.clear();
    return all;
  }

  /** The earliest queue-policy deadline of a job not yet timed out, or Long.MAX_VALUE. */
  long earliestDeadline() {
    long earliest = Long.MAX_VALUE;
    for (ArrayDeque<InferenceJob> queue : levels) {
      for (InferenceJob job : queue) {
        earliest = Math.min(earliest, job.deadlineNanos);
      }
    }
    return earliest;
  }

  /** The arrival time of the oldest job, or Long.MAX_VALUE when none waits. */
  long oldestArrival() {
    long oldest = Long.MAX_VALUE;
    for (Iterator<InferenceJob> jobs = inOrder(); jobs.hasNext(); ) {
      oldest = Math.min(oldest, jobs.next().arrivalNanos);
    }
    return oldest;
  }

  private void left(InferenceJob job) {
    size--;
    waitingPerLevel[index(job.priorityLevel)]--;
    stats.dequeued();
  }

  private int index(int level) {
    return policy.priorityLevels() == 0 ? 0 : level - 1;
  }
}
