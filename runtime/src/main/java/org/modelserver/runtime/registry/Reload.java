package org.modelserver.runtime.registry;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A model built beside the serving one, to be made current or thrown away. */
final class Reload {
  private static final Logger log = LoggerFactory.getLogger(Reload.class);

  private final ReloadPlanner planner;
  final String name;
  final Model current;
  final Model next;
  final Map<Long, String> from;
  final List<ModelVersion> loaded;
  final List<String> failures;

  /** The versions that failed to load; null when the whole model failed. */
  final Set<Long> failed;

  final boolean keptServing;

  Reload(
      ReloadPlanner planner,
      String name,
      Model current,
      Model next,
      Map<Long, String> from,
      List<ModelVersion> loaded,
      List<String> failures,
      Set<Long> failed,
      boolean keptServing) {
    this.planner = planner;
    this.name = name;
    this.current = current;
    this.next = next;
    this.from = from;
    this.loaded = loaded;
    this.failures = failures;
    this.failed = failed;
    this.keptServing = keptServing;
  }

  /**
   * Makes the new model current atomically, then hands what it no longer uses to {@code retire}
   * (which drains it).
   */
  void commit(Consumer<ModelVersion> retire) {
    Optional<Model> replaced = planner.registry().swap(next);
    planner.record(name, from);
    Map<ModelVersion, Boolean> kept = new IdentityHashMap<>();
    next.versions().values().forEach(version -> kept.put(version, true));
    replaced.ifPresent(
        old ->
            old.versions().values().stream()
                .filter(version -> !kept.containsKey(version))
                .forEach(retire));
    if (current != null || !failures.isEmpty()) {
      log.info(
          "Model {} now serves versions {}{}",
          name,
          next.versions().values().stream()
              .filter(ModelVersion::isReady)
              .map(v -> v.version())
              .toList(),
          failures.isEmpty() ? "" : " (failed: " + String.join("; ", failures) + ")");
    }
  }

  /** Whether any of {@code versions} failed to load (all did when the whole model failed). */
  boolean failedAny(Set<Long> versions) {
    if (failures.isEmpty()) {
      return false;
    }
    return failed == null || versions.stream().anyMatch(failed::contains);
  }

  /** Frees the versions this outcome loaded; the serving model is untouched. */
  void discard() {
    loaded.forEach(ModelVersion::close);
  }
}
