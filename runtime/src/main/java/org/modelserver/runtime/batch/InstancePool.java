package org.modelserver.runtime.batch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.modelserver.runtime.engine.EngineSession;

/**
 * A scheduler's instances: which are idle, and closing each exactly once when the scheduler ends.
 * Not thread-safe: the {@link Scheduler} calls it under its lock, except {@link #terminate()}.
 */
final class InstancePool {
  private final List<EngineSession> instances;
  private final ArrayDeque<EngineSession> idle = new ArrayDeque<>();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private int retired;
  private RuntimeException closeFailure;
  private Runnable onClose = () -> {};

  InstancePool(List<EngineSession> instances) {
    if (instances.isEmpty()) {
      throw new IllegalArgumentException("a scheduler needs at least one instance");
    }
    this.instances = List.copyOf(instances);
    idle.addAll(this.instances);
  }

  /** Runs once the last instance is closed (shuts the scheduler's own executor down). */
  void onClose(Runnable action) {
    this.onClose = action;
  }

  EngineSession primary() {
    return instances.get(0);
  }

  int size() {
    return instances.size();
  }

  boolean hasIdle() {
    return !idle.isEmpty();
  }

  boolean allIdle() {
    return idle.size() == instances.size();
  }

  /** An idle instance, now busy. */
  EngineSession take() {
    return idle.pollFirst();
  }

  /** Makes a busy instance idle again. */
  void release(EngineSession session) {
    idle.addLast(session);
  }

  /**
   * Closes every idle instance.
   *
   * @return whether this closed the last instance
   */
  boolean retireIdle() {
    List<EngineSession> free = new ArrayList<>(idle);
    idle.clear();
    return retire(free);
  }

  /**
   * Closes instances that nothing runs on, each exactly once.
   *
   * @return whether this closed the last instance, which also runs the close action
   */
  boolean retire(List<EngineSession> sessions) {
    for (EngineSession session : sessions) {
      try {
        session.close();
      } catch (RuntimeException e) {
        // Keep closing the others: one failure must not leak the rest of the native memory.
        if (closeFailure == null) {
          closeFailure = e;
        } else {
          closeFailure.addSuppressed(e);
        }
      }
      retired++;
    }
    if (retired == instances.size() && !sessions.isEmpty()) {
      onClose.run();
      return true;
    }
    return false;
  }

  /** What closing an instance threw, or null. */
  RuntimeException closeFailure() {
    return closeFailure;
  }

  /** Completed once every instance is closed, exceptionally when closing one failed. */
  CompletableFuture<Void> terminated() {
    return terminated;
  }

  /** Completes {@link #terminated()}; called once, by the thread that closed the last instance. */
  void terminate() {
    if (closeFailure == null) {
      terminated.complete(null);
    } else {
      terminated.completeExceptionally(closeFailure);
    }
  }
}
