package org.modelserver.runtime.rollout;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.modelserver.runtime.concurrent.DaemonThreads;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.inference.OutcomeListener;
import org.modelserver.runtime.registry.Model;
import org.modelserver.runtime.registry.ModelManager;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.registry.ModelVersion;
import org.modelserver.runtime.registry.TrafficSplit;
import org.modelserver.runtime.repository.ModelRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every model's rollout: started, stopped and shown through the management API, fed with the
 * outcome of every request, and judged on a timer. A verdict takes effect through {@link
 * ModelManager#split} (so the split is recorded before it serves), and the rollout's transition is
 * then logged and recorded in {@link RolloutStore}.
 */
public final class Rollouts implements OutcomeListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Rollouts.class);

  private final ModelManager manager;
  private final ModelRegistry registry;
  private final RolloutStore store;
  private final MeterRegistry meters;
  private final Clock clock;
  private final Map<String, Rollout> rollouts = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("rollouts"));

  public Rollouts(
      ModelManager manager,
      ModelRegistry registry,
      Path repositoryRoot,
      MeterRegistry meters,
      Clock clock) {
    this.manager = manager;
    this.registry = registry;
    this.store = new RolloutStore(repositoryRoot);
    this.meters = meters;
    this.clock = clock;
  }

  /** Reads the stored rollouts (running ones resume at their step) and judges them every tick. */
  public void start(Duration tick) {
    lock.lock();
    try {
      for (RolloutStore.Stored stored : store.readAll()) {
        Rollout rollout =
            new Rollout(
                stored.model(),
                stored.policy(),
                stored.phase(),
                stored.step(),
                stored.transitions(),
                meters,
                clock);
        rollouts.put(stored.model(), rollout);
        if (rollout.phase() == Rollout.Phase.RUNNING) {
          rollout.started("resumed at step " + (stored.step() + 1) + " after a restart");
          log.info("Rollout of model {} resumed: {}", stored.model(), rollout.policy().toJson());
        }
      }
    } finally {
      lock.unlock();
    }
    long millis = Math.max(1, tick.toMillis());
    timer.scheduleWithFixedDelay(this::tickSafely, millis, millis, TimeUnit.MILLISECONDS);
  }

  /**
   * Starts a rollout of {@code policy.canary()}, replacing the model's previous one: the split
   * gives the canary its first step's share and the baseline the rest.
   *
   * @throws ServingException INVALID_ARGUMENT for a baseline that cannot be decided, NOT_FOUND or
   *     CONFLICT (from the split) for versions that are not loaded and READY
   */
  public Rollout.Status begin(String model, RolloutPolicy policy) {
    ModelRepository.requireValidName(model);
    lock.lock();
    try {
      RolloutPolicy decided = policy.withBaseline(baselineOf(model, policy));
      manager.split(model, split(decided, decided.share(0)).withStickyHeader(stickyHeader(model)));
      Rollout rollout =
          new Rollout(model, decided, Rollout.Phase.RUNNING, 0, java.util.List.of(), meters, clock);
      rollout.started(
          "started: canary "
              + decided.canary()
              + " at "
              + decided.share(0)
              + "%, baseline "
              + decided.baseline().orElseThrow());
      Rollout previous = rollouts.put(model, rollout);
      if (previous != null) {
        previous.close();
      }
      store.save(rollout);
      log.info("Rollout of model {} started: {}", model, decided.toJson());
      return rollout.status();
    } finally {
      lock.unlock();
    }
  }

  private long baselineOf(String model, RolloutPolicy policy) {
    if (policy.baseline().isPresent()) {
      return policy.baseline().get();
    }
    Model loaded = registry.requireLoaded(model);
    long fallback =
        loaded
            .defaultVersion()
            .map(ModelVersion::version)
            .orElseThrow(
                () ->
                    ServingException.conflict(
                        "model '" + model + "' has no READY default version to be the baseline"));
    if (fallback == policy.canary()) {
      throw ServingException.invalidArgument(
          "the rollout's baseline would be model '"
              + model
              + "''s default version, "
              + fallback
              + ", which is the canary; name the serving version in field 'baseline'");
    }
    return fallback;
  }

  /** The split giving the canary {@code canaryPercent} and the baseline the rest. */
  private static TrafficSplit split(RolloutPolicy policy, int canaryPercent) {
    long baseline = policy.baseline().orElseThrow();
    if (canaryPercent >= 100) {
      return TrafficSplit.of(Map.of(policy.canary(), 100));
    }
    if (canaryPercent <= 0) {
      return TrafficSplit.of(Map.of(baseline, 100));
    }
    Map<Long, Integer> shares = new TreeMap<>();
    shares.put(baseline, 100 - canaryPercent);
    shares.put(policy.canary(), canaryPercent);
    return TrafficSplit.of(shares);
  }

  /** The sticky header of the model's split now, kept by the rollout's splits. */
  private Optional<String> stickyHeader(String model) {
    return registry.find(model).flatMap(loaded -> loaded.split().stickyHeader());
  }

  /** The model's rollout (running or ended), if it has one. */
  public Optional<Rollout.Status> status(String model) {
    return Optional.ofNullable(rollouts.get(model)).map(Rollout::status);
  }

  /**
   * Stops and forgets the model's rollout; the split stays as it is (clear or set it with the
   * traffic API).
   *
   * @throws ServingException NOT_FOUND when the model has no rollout
   */
  public Rollout.Status stop(String model) {
    lock.lock();
    try {
      Rollout rollout = rollouts.remove(model);
      if (rollout == null) {
        throw ServingException.notFound("model '" + model + "' has no rollout");
      }
      if (rollout.phase() == Rollout.Phase.RUNNING) {
        rollout.end(Rollout.Phase.STOPPED, "stopped by an operator; the split is left as it is");
        log.info("Rollout of model {} stopped by an operator", model);
      }
      store.delete(model);
      Rollout.Status last = rollout.status();
      rollout.close();
      return last;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Counts a finished request for its model's rollout. A caller that went away and refusals for
   * overload say nothing of the version, and warm-up requests (statistics muted) are not traffic,
   * so none of them is counted.
   */
  @Override
  public void finished(ModelVersion version, long nanos, Throwable failure) {
    Rollout rollout = rollouts.get(version.modelName());
    if (rollout == null || version.statistics().isMuted()) {
      return;
    }
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof ServingException serving
        && (serving.kind() == ErrorKind.CANCELLED
            || serving.kind() == ErrorKind.CAPACITY_EXCEEDED
            || serving.kind() == ErrorKind.RATE_LIMITED)) {
      return;
    }
    rollout.record(version.version(), nanos, cause);
  }

  private void tickSafely() {
    try {
      tick();
    } catch (RuntimeException e) {
      log.error("Judging the rollouts failed; they are judged again at the next tick", e);
    }
  }

  /** Judges every running rollout once and applies the verdicts. */
  void tick() {
    lock.lock();
    try {
      for (Rollout rollout : rollouts.values()) {
        if (rollout.phase() == Rollout.Phase.RUNNING) {
          judge(rollout);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private void judge(Rollout rollout) {
    String model = rollout.model();
    RolloutPolicy policy = rollout.policy();
    long baseline = policy.baseline().orElseThrow();
    Optional<String> canaryProblem = notReady(model, policy.canary());
    if (canaryProblem.isPresent()) {
      apply(rollout, Rollout.Verdict.ROLLBACK, canaryProblem.get());
      return;
    }
    Optional<String> baselineProblem = notReady(model, baseline);
    if (baselineProblem.isPresent()) {
      end(rollout, Rollout.Phase.STOPPED, baselineProblem.get() + "; the split is left as it is");
      return;
    }
    rollout
        .evaluate()
        .ifPresent(judgement -> apply(rollout, judgement.verdict(), judgement.reason()));
  }

  private Optional<String> notReady(String model, long version) {
    Optional<ModelVersion> found = registry.find(model).flatMap(loaded -> loaded.version(version));
    if (found.isEmpty()) {
      return Optional.of("version " + version + " is no longer loaded");
    }
    if (!found.get().isReady()) {
      return Optional.of("version " + version + " is not ready: " + found.get().reason());
    }
    return Optional.empty();
  }

  private void apply(Rollout rollout, Rollout.Verdict verdict, String reason) {
    int share =
        switch (verdict) {
          case ADVANCE -> rollout.policy().share(rollout.step() + 1);
          case PROMOTE -> 100;
          case ROLLBACK -> 0;
        };
    try {
      manager.split(
          rollout.model(),
          split(rollout.policy(), share).withStickyHeader(stickyHeader(rollout.model())));
    } catch (ServingException e) {
      end(
          rollout,
          Rollout.Phase.STOPPED,
          "could not give the canary " + share + "% (" + reason + "): " + e.getMessage());
      return;
    }
    switch (verdict) {
      case ADVANCE -> {
        rollout.advance(reason);
        log.info("Rollout of model {} moved the canary to {}%: {}", rollout.model(), share, reason);
        store.save(rollout);
      }
      case PROMOTE -> {
        end(rollout, Rollout.Phase.PROMOTED, reason);
      }
      case ROLLBACK -> {
        end(rollout, Rollout.Phase.ROLLED_BACK, reason);
      }
    }
  }

  private void end(Rollout rollout, Rollout.Phase phase, String reason) {
    rollout.end(phase, reason);
    if (phase == Rollout.Phase.PROMOTED) {
      log.info("Rollout of model {} {}: {}", rollout.model(), phase, reason);
    } else {
      log.warn("Rollout of model {} {}: {}", rollout.model(), phase, reason);
    }
    store.save(rollout);
  }

  @Override
  public void close() {
    timer.shutdownNow();
    rollouts.values().forEach(Rollout::close);
    rollouts.clear();
  }
}
