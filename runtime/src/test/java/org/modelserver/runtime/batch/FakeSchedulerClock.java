package org.modelserver.runtime.batch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A {@link SchedulerClock} that moves only when a test tells it to. {@link #advance(long)} runs the
 * scheduled tasks that fall due, in due order (ties in the order they were scheduled), on the
 * calling thread, including tasks that due tasks schedule themselves.
 */
final class FakeSchedulerClock implements SchedulerClock {
  /** System.nanoTime() may be any value; start well away from zero, as a real clock would. */
  static final long START = 1_000_000_000_000L;

  private record Timer(long dueNanos, long order, Runnable task) {}

  private final List<Timer> timers = new ArrayList<>();
  private long now;
  private long scheduledCount;

  FakeSchedulerClock() {
    this(START);
  }

  FakeSchedulerClock(long start) {
    this.now = start;
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized void schedule(long delayNanos, Runnable task) {
    timers.add(new Timer(now + Math.max(0, delayNanos), scheduledCount++, task));
  }

  /** Moves time forward by {@code nanos}, running every task that falls due on the way. */
  void advance(long nanos) {
    if (nanos < 0) {
      throw new IllegalArgumentException("time does not go backwards");
    }
    long target;
    synchronized (this) {
      target = now + nanos;
    }
    while (true) {
      Timer next;
      synchronized (this) {
        next =
            timers.stream()
                .filter(timer -> timer.dueNanos <= target)
                .min(Comparator.comparingLong(Timer::dueNanos).thenComparingLong(Timer::order))
                .orElse(null);
        if (next == null) {
          now = target;
          return;
        }
        timers.remove(next);
        now = Math.max(now, next.dueNanos);
      }
      next.task.run();
    }
  }

  void advanceMicros(long micros) {
    advance(micros * 1000);
  }

  /** Timers scheduled and not yet run. */
  synchronized int pendingTimers() {
    return timers.size();
  }

  /** The due time of every timer not yet run, earliest first. */
  synchronized List<Long> dueTimes() {
    return timers.stream().map(Timer::dueNanos).sorted().toList();
  }
}
