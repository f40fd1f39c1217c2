package org.modelserver.runtime.batch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * An executor that only queues tasks; the test decides when and on which thread each one runs.
 * Thread-safe, so tasks running on other threads may hand it more work.
 */
final class ManualExecutor implements Executor {
  private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
  private final List<Thread> started = new ArrayList<>();
  private int submitted;

  @Override
  public synchronized void execute(Runnable task) {
    tasks.addLast(task);
    submitted++;
  }

  /** Tasks queued and not yet taken. */
  synchronized int pending() {
    return tasks.size();
  }

  /** Every task ever handed to this executor. */
  synchronized int submitted() {
    return submitted;
  }

  /** Removes and returns the oldest queued task, to run it whenever and wherever the test likes. */
  synchronized Runnable take() {
    Runnable task = tasks.pollFirst();
    if (task == null) {
      throw new IllegalStateException("no task is queued");
    }
    return task;
  }

  /** Runs the oldest queued task on the calling thread. */
  void runNext() {
    take().run();
  }

  /** Runs queued tasks on the calling thread until none is left, including ones they queue. */
  void runAll() {
    while (true) {
      Runnable task;
      synchronized (this) {
        task = tasks.pollFirst();
      }
      if (task == null) {
        return;
      }
      task.run();
    }
  }

  /** Starts a new thread running {@code task}; {@link #joinAll()} waits for every such thread. */
  Thread startOnThread(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    synchronized (this) {
      started.add(thread);
    }
    thread.start();
    return thread;
  }

  /** Waits for every thread started by {@link #startOnThread}. */
  void joinAll() throws InterruptedException {
    List<Thread> threads;
    synchronized (this) {
      threads = List.copyOf(started);
    }
    for (Thread thread : threads) {
      thread.join(30_000);
      if (thread.isAlive()) {
        throw new AssertionError(thread.getName() + " did not finish");
      }
    }
  }
}
