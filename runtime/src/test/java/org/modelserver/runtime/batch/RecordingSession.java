package org.modelserver.runtime.batch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.modelserver.runtime.config.ModelSignature;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.tensor.Tensor;

/**
 * An {@link EngineSession} that runs a real session and records every call: which instance ran it,
 * the rows it carried and its inputs. It can also run a hook at the start of its next call (to
 * submit more requests while this instance is busy), hold calls at a gate until the test opens it
 * (a busy instance, with real threads), or fail its next call.
 *
 * <p>Closing it does not close the real session, which the test class owns; it counts the closes.
 */
final class RecordingSession implements EngineSession {

  /** One call of {@link #execute}. */
  record Execution(String instance, int rows, Map<String, Tensor> inputs, Set<String> outputs) {
    long[] shape(String input) {
      return inputs.get(input).shape();
    }
  }

  /** What several sessions share: one log of calls in start order, and concurrency counters. */
  static final class Log {
    private final List<Execution> executions = new ArrayList<>();
    private final Semaphore entered = new Semaphore(0);
    private int active;
    private int maxActive;

    synchronized List<Execution> executions() {
      return List.copyOf(executions);
    }

    /** The rows of every call, in the order the calls started. */
    synchronized List<Integer> rows() {
      return executions.stream().map(Execution::rows).toList();
    }

    synchronized int count() {
      return executions.size();
    }

    synchronized int active() {
      return active;
    }

    synchronized int maxActive() {
      return maxActive;
    }

    /** Waits (with a generous guard against hanging, not a timing assertion) for n more calls. */
    void awaitEntered(int calls) throws InterruptedException {
      if (!entered.tryAcquire(calls, 30, TimeUnit.SECONDS)) {
        throw new AssertionError("expected " + calls + " more executions to start");
      }
    }

    private synchronized void enter(Execution execution) {
      executions.add(execution);
      active++;
      maxActive = Math.max(maxActive, active);
    }

    private synchronized void leave() {
      active--;
    }
  }

  private final String name;
  private final EngineSession delegate;
  private final Log log;
  private final ArrayDeque<Runnable> hooks = new ArrayDeque<>();
  private final ArrayDeque<RuntimeException> failures = new ArrayDeque<>();
  private final AtomicInteger closes = new AtomicInteger();
  private CountDownLatch gate;
  private volatile RuntimeException closeFailure;

  RecordingSession(String name, EngineSession delegate, Log log) {
    this.name = name;
    this.delegate = delegate;
    this.log = log;
  }

  RecordingSession(EngineSession delegate) {
    this("instance-1", delegate, new Log());
  }

  String name() {
    return name;
  }

  Log log() {
    return log;
  }

  boolean isClosed() {
    return closes.get() > 0;
  }

  /** Makes every later {@link #close()} throw {@code failure} (after counting the call). */
  void failOnClose(RuntimeException failure) {
    closeFailure = failure;
  }

  /** How many times {@link #close()} was called. */
  int closeCount() {
    return closes.get();
  }

  /** Runs {@code hook} at the start of the next call, on the calling thread, before executing. */
  synchronized void onNextExecute(Runnable hook) {
    hooks.addLast(hook);
  }

  /** Makes the next call throw {@code failure} instead of executing. */
  synchronized void failNext(RuntimeException failure) {
    failures.addLast(failure);
  }

  /** Holds every call from now on until {@link #release()}. */
  synchronized void hold() {
    gate = new CountDownLatch(1);
  }

  /** Lets every held call (and every later one) go on. */
  synchronized void release() {
    if (gate != null) {
      gate.countDown();
      gate = null;
    }
  }

  @Override
  public Optional<ModelSignature> signature() {
    return delegate.signature();
  }

  @Override
  public Map<String, Tensor> execute(Map<String, Tensor> inputs, Set<String> outputs) {
    Tensor first = inputs.values().iterator().next();
    int rows = first.rank() == 0 ? 1 : Math.toIntExact(first.dim(0));
    log.enter(new Execution(name, rows, Map.copyOf(inputs), Set.copyOf(outputs)));
    try {
      Runnable hook;
      RuntimeException failure;
      CountDownLatch waitFor;
      synchronized (this) {
        hook = hooks.pollFirst();
        failure = failures.pollFirst();
        waitFor = gate;
      }
      log.entered.release();
      if (hook != null) {
        hook.run();
      }
      if (waitFor != null && !waitFor.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError(name + " was held at its gate and never released");
      }
      if (failure != null) {
        throw failure;
      }
      return delegate.execute(inputs, outputs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      log.leave();
    }
  }

  @Override
  public void close() {
    closes.incrementAndGet();
    RuntimeException failure = closeFailure;
    if (failure != null) {
      throw failure;
    }
  }
}
