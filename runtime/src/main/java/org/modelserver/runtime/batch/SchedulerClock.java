package org.modelserver.runtime.batch;

/**
 * Time for the scheduler: a monotonic clock and a way to be woken later. Tests pass a fake that
 * moves only when told, so delays and timeouts are exercised without sleeping.
 */
public interface SchedulerClock {
  long nanoTime();

  /** Runs {@code task} once, {@code delayNanos} from now, on some thread. */
  void schedule(long delayNanos, Runnable task);
}
