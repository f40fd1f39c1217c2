package org.modelserver.runtime.registry;

import java.util.Optional;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.repository.ModelRepository;
import org.modelserver.runtime.repository.ModelSource;

/**
 * Pins and unpins a model's default version and sets its traffic split and shadow, recording each
 * decision in {@link ServingDecisions} before it takes effect, so that a restart or a crash keeps
 * it. Pinning a held version promotes it. Not thread-safe: {@link ModelManager} calls it under its
 * lock.
 */
final class DefaultVersions {
  private final ModelRepository repository;
  private final ModelRegistry registry;
  private final ReloadPlanner planner;
  private final Retirement retirement;
  private final ServingDecisions decisions;

  DefaultVersions(
      ModelRepository repository,
      ModelRegistry registry,
      ReloadPlanner planner,
      Retirement retirement,
      ServingDecisions decisions) {
    this.repository = repository;
    this.registry = registry;
    this.planner = planner;
    this.retirement = retirement;
    this.decisions = decisions;
  }

  /** See {@link ModelManager#pin}; {@code model} is the loaded model. */
  void pin(Model model, long version, Optional<String> configOverride) {
    String name = model.name();
    ServingDecisions.Decision before = decisions.of(name);
    ServingDecisions.Decision after = before.withPin(Optional.of(version)).release(version);
    ModelVersion loaded = model.version(version).orElse(null);
    if (loaded != null && loaded.isReady()) {
      decisions.save(name, after);
      registry.swap(model.withPin(Optional.of(version)).withHeld(after.held()));
      return;
    }
    // A version the policy did not select is loaded for the pin, and kept while pinned.
    ModelSource source = repository.find(name).orElse(null);
    if (source == null || !source.versions().containsKey(version)) {
      throw ServingException.notFound(
          "model '"
              + name
              + "' has no version "
              + version
              + "; loaded versions are "
              + model.versions().keySet()
              + (source == null ? "" : ", version folders are " + source.versions().keySet()));
    }
    decisions.save(name, after);
    Reload outcome = planner.plan(Fingerprints.of(source), configOverride, Optional.of(version));
    ModelVersion pinned = outcome.next().versions().get(version);
    if (pinned == null || !pinned.isReady()) {
      outcome.discard();
      decisions.save(name, before);
      throw ServingException.conflict(
          "model '"
              + name
              + "' version "
              + version
              + " did not load, so it cannot be the default: "
              + String.join("; ", outcome.failures()));
    }
    planner.commit(outcome, retirement::retire);
  }

  /** See {@link ModelManager#unpin}; {@code model} is the loaded model. */
  void unpin(Model model, Optional<String> configOverride) {
    String name = model.name();
    decisions.save(name, decisions.of(name).withPin(Optional.empty()));
    Optional<ModelSource> source = repository.find(name);
    if (model.pinned().isPresent() && source.isPresent()) {
      // Reloading drops a version that was loaded only because it was pinned.
      planner.commit(
          planner.plan(Fingerprints.of(source.get()), configOverride, Optional.empty()),
          retirement::retire);
    } else {
      registry.swap(model.withPin(Optional.empty()));
    }
  }

  /** See {@link ModelManager#split}; {@code model} is the loaded model. */
  void split(Model model, TrafficSplit split) {
    String name = model.name();
    for (long version : split.shares().keySet()) {
      requireReady(model, version, "for the traffic split", "take traffic");
    }
    decisions.save(name, decisions.of(name).withSplit(split));
    registry.swap(model.withSplit(split));
  }

  /** See {@link ModelManager#shadow}; {@code model} is the loaded model. */
  void shadow(Model model, ShadowSetting shadow) {
    String name = model.name();
    if (shadow.version().isPresent()) {
      requireReady(model, shadow.version().get(), "to shadow", "be the shadow");
    }
    decisions.save(name, decisions.of(name).withShadow(shadow));
    registry.swap(model.withShadow(shadow));
  }

  /**
   * @throws ServingException NOT_FOUND for a version that is not loaded (naming the loaded ones),
   *     CONFLICT for one that is not READY
   */
  private static void requireReady(Model model, long version, String purpose, String role) {
    ModelVersion loaded =
        model
            .version(version)
            .orElseThrow(
                () ->
                    ServingException.notFound(
                        "model '"
                            + model.name()
                            + "' has no loaded version "
                            + version
                            + " "
                            + purpose
                            + "; loaded versions are "
                            + model.versions().keySet()));
    if (!loaded.isReady()) {
      throw ServingException.conflict(
          "model '"
              + model.name()
              + "' version "
              + version
              + " is not ready, so it cannot "
              + role
              + ": "
              + loaded.reason());
    }
  }

  /**
   * Drops held marks of versions the folder lacks (a publish a crash rolled back), so that a later
   * version with the same number is not held by mistake.
   */
  void forgetMissingHeld(ModelSource source) {
    ServingDecisions.Decision decision = decisions.of(source.name());
    ServingDecisions.Decision kept = decision;
    for (long version : decision.held()) {
      if (!source.versions().containsKey(version)) {
        kept = kept.release(version);
      }
    }
    decisions.save(source.name(), kept);
  }
}
