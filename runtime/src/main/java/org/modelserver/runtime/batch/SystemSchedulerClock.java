package org.modelserver.runtime.batch;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.modelserver.runtime.concurrent.DaemonThreads;

/** The real clock: {@link System#nanoTime()} and one daemon timer thread for all schedulers. */
public final class SystemSchedulerClock implements SchedulerClock {
  public static final SystemSchedulerClock INSTANCE = new SystemSchedulerClock();

  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("scheduler-timer"));

  private SystemSchedulerClock() {}

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public void schedule(long delayNanos, Runnable task) {
    timer.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
  }
}
