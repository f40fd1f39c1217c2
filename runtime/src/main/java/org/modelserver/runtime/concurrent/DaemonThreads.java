package org.modelserver.runtime.concurrent;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Thread factories for the server's background pools: daemon threads, named for thread dumps. */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** Every thread gets exactly {@code name} (for single-thread executors). */
  public static ThreadFactory named(String name) {
    return task -> daemon(task, name);
  }

  /** Threads named {@code prefix-1}, {@code prefix-2}, ... */
  public static ThreadFactory numbered(String prefix) {
    AtomicInteger counter = new AtomicInteger();
    return task -> daemon(task, prefix + "-" + counter.incrementAndGet());
  }

  private static Thread daemon(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    return thread;
  }
}
