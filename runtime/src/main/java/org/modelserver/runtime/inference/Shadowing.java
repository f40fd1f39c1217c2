package org.modelserver.runtime.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.modelserver.runtime.admission.ByteBudget;
import org.modelserver.runtime.admission.ModelGuard;
import org.modelserver.runtime.batch.Scheduler;
import org.modelserver.runtime.concurrent.DaemonThreads;
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
 * hands the request to a small pool of its own; the shadow run and the comparison happen there (or
 * on the shadow version's batch threads). Shadow work is bounded three ways, and dropped and
 * counted when any is full: the shadow version's queue, this pool's backlog, and the byte budgets
 * (the server's and the shadow version's), which hold the inputs' bytes until the shadow run ends.
 *
 * <p>The inputs are shared, not copied: every transport decodes a request into tensors of their own
 * (freshly allocated buffers, never pooled or reused), which are immutable once built, so they stay
 * valid for as long as the shadow run holds them.
 */
public final class Shadowing implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Shadowing.class);

  /** Shadow runs at a time: one thread, so that the shadow takes at most one core from callers. */
  static final int THREADS = 1;

  /** Requests waiting for the shadow pool beyond those running. */
  static final int BACKLOG = 16;

  private final ModelRegistry registry;
  private final ByteBudget serverBytes;
  private final ThreadPoolExecutor pool;
  private final ShadowStats stats = new ShadowStats();

  /**
   * @param serverBytes the server's in-flight byte budget, which also holds the inputs a shadow run
   *     keeps after the caller's request has ended
   */
  public Shadowing(ModelRegistry registry, ByteBudget serverBytes) {
    this(registry, serverBytes, THREADS, BACKLOG);
  }

  Shadowing(ModelRegistry registry, ByteBudget serverBytes, int threads, int backlog) {
    this.registry = registry;
    this.serverBytes = serverBytes;
    this.pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(backlog),
            DaemonThreads.numbered("shadow"),
            new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
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
    if (!scheduler.hasRoom()) {
      pair.count(ShadowStats.Outcome.DROPPED);
      return;
    }
    Reservation bytes = Reservation.take(serverBytes, shadow.guard(), inputBytes(request));
    if (bytes == null) {
      pair.count(ShadowStats.Outcome.DROPPED);
      return;
    }
    try {
      pool.execute(() -> run(pair, shadow, scheduler, request, response, bytes));
    } catch (RejectedExecutionException e) {
      bytes.release();
      pair.count(ShadowStats.Outcome.DROPPED);
    }
  }

  private static void run(
      ShadowStats.Pair pair,
      ModelVersion shadow,
      Scheduler scheduler,
      InferenceRequest request,
      InferenceResponse response,
      Reservation bytes) {
    List<String> outputs;
    try {
      outputs = comparable(shadow, request, response);
      scheduler
          .submit(request.inputs(), outputs, 0, 0)
          .whenComplete(
              (values, failure) -> {
                bytes.release();
                if (failure != null) {
                  pair.count(outcomeOf(failure));
                } else {
                  compare(pair, outputs, response, values);
                }
              });
    } catch (RuntimeException e) {
      bytes.release();
      pair.count(outcomeOf(e));
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

  /** Stops the shadow pool; runs under way finish, waiting ones are dropped. */
  @Override
  public void close() {
    pool.shutdownNow();
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
