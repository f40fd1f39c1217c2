package org.modelserver.server.training;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs one client's events in order, one at a time, on a shared pool, with a bounded backlog. A
 * client that reads slowly blocks only its own sender (for as long as the container's write timeout
 * lets a write block), never the other clients' events; one whose backlog overflows is given up
 * ({@code onOverflow}), and can reconnect for a fresh snapshot.
 */
final class SerialSender {
  private final Executor pool;
  private final int maxPending;
  private final Runnable onOverflow;
  private final Queue<Runnable> pending = new ArrayDeque<>();
  private boolean draining;
  private boolean closed;

  SerialSender(Executor pool, int maxPending, Runnable onOverflow) {
    this.pool = pool;
    this.maxPending = maxPending;
    this.onOverflow = onOverflow;
  }

  /** Queues an event after those already queued; dropped once this sender is closed. */
  void offer(Runnable event) {
    boolean overflow;
    synchronized (this) {
      if (closed) {
        return;
      }
      overflow = pending.size() >= maxPending;
      if (overflow) {
        closed = true;
        pending.clear();
      } else {
        pending.add(event);
        if (draining) {
          return;
        }
        draining = true;
      }
    }
    if (overflow) {
      onOverflow.run();
      return;
    }
    try {
      pool.execute(this::drain);
    } catch (RejectedExecutionException e) {
      // The server is stopping: its streams were completed.
      synchronized (this) {
        closed = true;
        draining = false;
        pending.clear();
      }
    }
  }

  /** Whether the backlog overflowed or the pool refused work. */
  synchronized boolean isClosed() {
    return closed;
  }

  private void drain() {
    while (true) {
      Runnable next;
      synchronized (this) {
        next = pending.poll();
        if (next == null) {
          draining = false;
          return;
        }
      }
      next.run();
    }
  }
}
