package org.modelserver.runtime.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.modelserver.runtime.admission.ByteBudget;
import org.modelserver.runtime.admission.ModelGuard;
import org.modelserver.runtime.batch.Scheduler;
import org.modelserver.runtime.concurrent.DaemonThreads;
import org.modelserver.runtime.concurrent.IdlePriority;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.registry.Model;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.registry.ModelVersion;
import org.modelserver.runtime.registry.ShadowSetting;
import org.modelserver.runtime.tensor.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shadow traffic: once a request without a version has been answered, a share of such requests (the
 * model's {@link ShadowSetting}) is run again on the shadow version, and the two versions' outputs
 * are compared into {@link ShadowStats}.
 *
 * <p>The caller never waits for nor sees the shadow: {@link #offer} only draws, checks for room and
 * puts the request in a small backlog, without a lock and without waking any thread. One worker
 * thread of its own takes the backlog one request at a time, runs it on the shadow version and
 * compares. Shadow work is bounded, and dropped and counted when a bound is reached: the shadow
 * version's queue, the backlog, the byte budgets (the server's and the shadow version's, which hold
 * the inputs' bytes until the shadow run ends), and the CPU: the worker runs in the idle scheduling
 * class ({@link IdlePriority}), so it only gets CPU time callers leave, and after each run it rests
 * so that shadow runs take at most {@link #CPU_SHARE} of its time.
 *
 * <p>The inputs are shared, not copied: every transport decodes a request into tensors of their own
 * (freshly allocated buffers, never pooled or reused), which are immutable once built, so they stay
 * valid for as long as the shadow run holds them.
 */
public final class Shadowing implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Shadowing.class);

  /** Requests waiting for the shadow worker. */
  static final int BACKLOG = 16;

  /** The share of the worker's time that shadow runs may take (the rest it rests). */
  static final double CPU_SHARE = 0.1;

  /**
   * How often an active worker looks at the backlog (it is not woken, so that callers pay no
   * wake-up).
   */
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** After this long without work the worker blocks on the backlog instead of polling it. */
  private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  /** The longest rest after one run (a run that waited long mostly waited, not computed). */
  private static final long MAX_REST_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** The longest a worker waits for one shadow run before it takes the next. */
  private static final long RUN_TIMEOUT_SECONDS = 60;

  private final ModelRegistry registry;
  private final ByteBudget serverBytes;
  private final double cpuShare;
  // Lock-free: the worker runs at idle priority, and a lock it held while preempted would make
  // callers wait for it (priority inversion). The count bounds the queue.
  private final ConcurrentLinkedQueue<Run> backlog = new ConcurrentLinkedQueue<>();
  private final AtomicInteger waiting = new AtomicInteger();
  private final int backlogLimit;
  private volatile boolean sleeping;
  private final ShadowStats stats = new ShadowStats();
  private final AtomicReference<Thread> worker = new AtomicReference<>();
  private volatile boolean closed;

  /**
   * @param serverBytes the server's in-flight byte budget, which also holds the inputs a shadow run
   *     keeps after the caller's request has ended
   */
  public Shadowing(ModelRegistry registry, ByteBudget serverBytes) {
    this(registry, serverBytes, BACKLOG, CPU_SHARE);
  }

  Shadowing(ModelRegistry registry, ByteBudget serverBytes, int backlog, double cpuShare) {
    if (cpuShare <= 0 || cpuShare > 1) {
      throw new IllegalArgumentException("the shadow's CPU share must be in (0, 1]");
    }
    this.registry = registry;
    this.serverBytes = serverBytes;
    this.cpuShare = cpuShare;
    this.backlogLimit = backlog;
  }

  /** What shadow traffic found so far. */
  public ShadowStats stats() {
    return stats;
  }

  /**
   * Mirrors an answered request to the model's shadow version when its setting draws it. Never
   * throws and never blocks: whatever goes wrong is counted.
   *
   * @param response the caller's answer; its version is the one that answered
   */
  public void offer(InferenceRequest request, InferenceResponse response) {
    try {
      // Requests that name a version chose it: only the model's own traffic is mirrored.
      if (request.version().isPresent()) {
        return;
      }
      Model model = registry.find(request.modelName()).orElse(null);
      if (model == null) {
        return;
      }
      ShadowSetting setting = model.shadow();
      Optional<Long> shadowNumber = setting.version();
      if (shadowNumber.isEmpty()
          || shadowNumber.get() == response.modelVersion()
          || !setting.draw(ThreadLocalRandom.current())) {
        return;
      }
      ShadowStats.Pair pair = stats.pair(model.name(), response.modelVersion(), shadowNumber.get());
      ModelVersion shadow = model.version(shadowNumber.get()).orElse(null);
      if (shadow == null || !shadow.isReady() || shadow.scheduler().isEmpty()) {
        pair.count(ShadowStats.Outcome.FAILED);
        return;
      }
      start(pair, shadow, request, response);
    } catch (RuntimeException e) {
      log.debug("Shadow request of model {} not sent", request.modelName(), e);
    }
  }

  private void start(
      ShadowStats.Pair pair,
      ModelVersion shadow,
      InferenceRequest request,
      InferenceResponse response) {
    Scheduler scheduler = shadow.scheduler().orElseThrow();
    // The shadow version's queue is checked by the worker: its lock is one the worker holds.
    if (closed || waiting.incrementAndGet() > backlogLimit) {
      waiting.decrementAndGet();
      pair.count(ShadowStats.Outcome.DROPPED);
      return;
    }
    Reservation bytes = Reservation.take(serverBytes, shadow.guard(), inputBytes(request));
    if (bytes == null) {
      waiting.decrementAndGet();
      pair.count(ShadowStats.Outcome.DROPPED);
      return;
    }
    backlog.add(new Run(pair, shadow, scheduler, request, response, bytes));
    Thread running = worker.get();
    if (running == null) {
      startWorker();
    } else if (sleeping) {
      LockSupport.unpark(running); // only after a long idle spell
    }
  }

  private void startWorker() {
    if (worker.get() != null || closed) {
      return;
    }
    Thread thread = DaemonThreads.named("shadow").newThread(this::work);
    if (worker.compareAndSet(null, thread)) {
      thread.start();
    }
  }

  /**
   * Takes the backlog one run at a time, resting after each to keep to the CPU share, in the idle
   * scheduling class: it gets only CPU time that callers leave, and never preempts them.
   */
  private void work() {
    String lowered = IdlePriority.lowerCurrentThread();
    if (lowered.isEmpty()) {
      log.info("The shadow worker could not be given the idle CPU priority; it runs at normal");
    } else {
      log.debug("The shadow worker runs at {}", lowered);
    }
    long idleSince = System.nanoTime();
    while (!closed) {
      Run next = take();
      if (next == null) {
        if (System.nanoTime() - idleSince < IDLE_NANOS) {
          LockSupport.parkNanos(POLL_NANOS);
        } else {
          sleeping = true;
          if (backlog.isEmpty()) {
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1)); // an offer unparks it
          }
          sleeping = false;
        }
        continue;
      }
      try {
        long start = System.nanoTime();
        next.run();
        long spent = System.nanoTime() - start;
        LockSupport.parkNanos(Math.min(MAX_REST_NANOS, (long) (spent * (1 / cpuShare - 1))));
      } catch (RuntimeException e) {
        log.debug("A shadow run failed", e);
      }
      idleSince = System.nanoTime();
    }
    Run left;
    while ((left = take()) != null) {
      left.abandon();
    }
  }

  private Run take() {
    Run next = backlog.poll();
    if (next != null) {
      waiting.decrementAndGet();
    }
    return next;
  }

  /** Runs one request on the shadow version and waits (bounded) for it to be compared. */
  private static void run(
      ShadowStats.Pair pair,
      ModelVersion shadow,
      Scheduler scheduler,
      InferenceRequest request,
      InferenceResponse response,
      Reservation bytes) {
    CompletableFuture<Void> done;
    try {
      if (!scheduler.hasRoom() || scheduler.pendingRequests() > 0) {
        // A full queue, or the shadow version serves callers too (a split, or requests naming
        // it): a run of this low-priority thread could hold an instance they wait for.
        bytes.release();
        pair.count(ShadowStats.Outcome.DROPPED);
        return;
      }
      List<String> outputs = comparable(shadow, request, response);
      done =
          scheduler
              .submit(request.inputs(), outputs, 0, 0)
              .handle(
                  (values, failure) -> {
                    bytes.release();
                    if (failure != null) {
                      pair.count(outcomeOf(failure));
                    } else {
                      compare(pair, outputs, response, values);
                    }
                    return null;
                  });
    } catch (RuntimeException e) {
      bytes.release();
      pair.count(outcomeOf(e));
      return;
    }
    try {
      done.get(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // counted by the handler when the run ends
    }
  }

  /**
   * The outputs both versions compute: those of the response, except classifications (top-N labels,
   * not the raw output), that the shadow version declares.
   */
  private static List<String> comparable(
      ModelVersion shadow, InferenceRequest request, InferenceResponse response) {
    List<String> declared = RequestValidator.validate(shadow.config().orElseThrow(), request);
    List<String> outputs = new ArrayList<>();
    for (String name : response.outputs().keySet()) {
      if (!request.classifications().containsKey(name) && declared.contains(name)) {
        outputs.add(name);
      }
    }
    if (outputs.isEmpty()) {
      throw ServingException.invalidArgument(
          "the shadow version computes none of the outputs " + response.outputs().keySet());
    }
    return outputs;
  }

  private static void compare(
      ShadowStats.Pair pair,
      List<String> outputs,
      InferenceResponse response,
      Map<String, Tensor> shadowValues) {
    try {
      for (String name : outputs) {
        Tensor mine = shadowValues.get(name);
        pair.compared(
            name,
            mine == null
                ? OutputComparison.SHAPE_MISMATCH
                : OutputComparison.of(response.outputs().get(name), mine));
      }
      pair.count(ShadowStats.Outcome.MIRRORED);
    } catch (RuntimeException e) {
      log.debug("Shadow outputs could not be compared", e);
      pair.count(ShadowStats.Outcome.FAILED);
    }
  }

  private static ShadowStats.Outcome outcomeOf(Throwable failure) {
    Throwable cause =
        failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    return cause instanceof ServingException e && e.kind() == ErrorKind.CAPACITY_EXCEEDED
        ? ShadowStats.Outcome.DROPPED
        : ShadowStats.Outcome.FAILED;
  }

  private static long inputBytes(InferenceRequest request) {
    long total = 0;
    for (Tensor input : request.inputs().values()) {
      total += input.byteSize();
    }
    return total;
  }

  /** Stops the shadow worker; waiting runs are dropped (their bytes released). */
  @Override
  public void close() {
    closed = true;
    Thread thread = worker.get();
    if (thread != null) {
      LockSupport.unpark(thread); // it sees closed and abandons what waits
    } else {
      Run left;
      while ((left = take()) != null) {
        left.abandon();
      }
    }
  }

  /** One request waiting for the shadow worker. */
  private record Run(
      ShadowStats.Pair pair,
      ModelVersion shadow,
      Scheduler scheduler,
      InferenceRequest request,
      InferenceResponse response,
      Reservation bytes) {
    void run() {
      Shadowing.run(pair, shadow, scheduler, request, response, bytes);
    }

    void abandon() {
      bytes.release();
      pair.count(ShadowStats.Outcome.DROPPED);
    }
  }

  /** Bytes a shadow run holds in the server's and the shadow version's budgets. */
  private static final class Reservation {
    private final ByteBudget server;
    private final ByteBudget model;
    private final long bytes;

    private Reservation(ByteBudget server, ByteBudget model, long bytes) {
      this.server = server;
      this.model = model;
      this.bytes = bytes;
    }

    /** Takes the bytes from both budgets, or nothing and returns null. */
    static Reservation take(ByteBudget server, Optional<ModelGuard> guard, long bytes) {
      ByteBudget model = guard.map(ModelGuard::bytes).orElse(null);
      if (!server.tryReserve(bytes)) {
        return null;
      }
      if (model != null && !model.tryReserve(bytes)) {
        server.release(bytes);
        return null;
      }
      return new Reservation(server, model, bytes);
    }

    void release() {
      server.release(bytes);
      if (model != null) {
        model.release(bytes);
      }
    }
  }
}
