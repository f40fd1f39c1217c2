package org.modelserver.runtime.registry;

import java.util.Objects;
import java.util.Optional;
import org.modelserver.runtime.admission.Guards;
import org.modelserver.runtime.admission.ModelGuard;
import org.modelserver.runtime.batch.RequestScheduler;
import org.modelserver.runtime.batch.Scheduler;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.stats.ModelStatistics;

/**
 * One version of a model: READY with a completed config and a session, or UNAVAILABLE with the
 * reason. Immutable; closing it closes the session.
 */
public final class ModelVersion implements AutoCloseable {
  private final String modelName;
  private final long version;
  private final ModelState state;
  private final String reason;
  private final ModelConfig config;
  private final RequestScheduler scheduler;
  private final ModelStatistics statistics;
  private final ModelGuard guard;

  private ModelVersion(
      String modelName,
      long version,
      ModelState state,
      String reason,
      ModelConfig config,
      RequestScheduler scheduler,
      ModelStatistics statistics,
      ModelGuard guard) {
    this.modelName = Objects.requireNonNull(modelName, "modelName");
    this.guard = guard;
    this.version = version;
    this.state = state;
    this.reason = reason;
    this.config = config;
    this.scheduler = scheduler;
    this.statistics = statistics;
  }

  public static ModelVersion ready(
      String modelName,
      long version,
      ModelConfig config,
      Scheduler scheduler,
      ModelStatistics statistics) {
    return ready(modelName, version, config, scheduler, statistics, "");
  }

  /**
   * @param note what the index says of a READY version, such as where it runs after a GPU fallback;
   *     usually empty
   */
  public static ModelVersion ready(
      String modelName,
      long version,
      ModelConfig config,
      Scheduler scheduler,
      ModelStatistics statistics,
      String note) {
    return ready(
        modelName,
        version,
        config,
        scheduler,
        statistics,
        note,
        Guards.none().create(modelName, version, config.protection()));
  }

  /**
   * @param guard its protection, closed when the version retires
   */
  public static ModelVersion ready(
      String modelName,
      long version,
      ModelConfig config,
      Scheduler scheduler,
      ModelStatistics statistics,
      String note,
      ModelGuard guard) {
    return new ModelVersion(
        modelName,
        version,
        ModelState.READY,
        Objects.requireNonNull(note, "note"),
        Objects.requireNonNull(config, "config"),
        Objects.requireNonNull(scheduler, "scheduler"),
        statistics,
        Objects.requireNonNull(guard, "guard"));
  }

  /**
   * A READY ensemble: no instances of its own, its steps run on the composing models' schedulers.
   */
  static ModelVersion ensemble(
      long version,
      ModelConfig config,
      EnsembleScheduler scheduler,
      ModelStatistics statistics,
      ModelGuard guard) {
    return new ModelVersion(
        config.name(),
        version,
        ModelState.READY,
        "",
        config,
        scheduler,
        statistics,
        Objects.requireNonNull(guard, "guard"));
  }

  public static ModelVersion unavailable(String modelName, long version, String reason) {
    return new ModelVersion(
        modelName,
        version,
        ModelState.UNAVAILABLE,
        Objects.requireNonNull(reason),
        null,
        null,
        new ModelStatistics(modelName, version),
        null);
  }

  public String modelName() {
    return modelName;
  }

  public long version() {
    return version;
  }

  public ModelState state() {
    return state;
  }

  public boolean isReady() {
    return state == ModelState.READY;
  }

  /** Why the version is not ready; empty when it is. */
  public String reason() {
    return reason;
  }

  /** The completed config of a READY version. */
  public Optional<ModelConfig> config() {
    return Optional.ofNullable(config);
  }

  /** The first engine session of a READY version. */
  public Optional<EngineSession> session() {
    return scheduler().map(Scheduler::primaryInstance);
  }

  /**
   * The dynamic batcher of a READY model version, which owns its instances; empty for ensembles.
   */
  public Optional<Scheduler> scheduler() {
    return scheduler instanceof Scheduler own ? Optional.of(own) : Optional.empty();
  }

  /** What runs the requests of a READY version: its scheduler, or an ensemble's step graph. */
  public Optional<RequestScheduler> requestScheduler() {
    return Optional.ofNullable(scheduler);
  }

  /** What this version has served; empty for a version that never loaded. */
  public ModelStatistics statistics() {
    return statistics;
  }

  /**
   * Stops admitting requests, lets the admitted ones finish, then frees the instances; the future
   * completes once they are freed.
   */
  public java.util.concurrent.CompletableFuture<Void> drain() {
    if (scheduler == null) {
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
    java.util.concurrent.CompletableFuture<Void> drained = scheduler.drain();
    drained.whenComplete((ignored, failure) -> guard.close());
    return drained;
  }

  /** Its protection (rate limits, circuit breaker, bulkhead, byte budget); only when READY. */
  public Optional<ModelGuard> guard() {
    return Optional.ofNullable(guard);
  }

  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.close();
      guard.close();
    }
  }

  @Override
  public String toString() {
    return modelName + " v" + version + " " + state + (reason.isEmpty() ? "" : " (" + reason + ")");
  }
}
