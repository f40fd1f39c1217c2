package org.modelserver.runtime.registry;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model built beside the serving one by {@link ReloadPlanner#plan}, to be made current with
 * {@link ReloadPlanner#commit} or thrown away with {@link #discard()}.
 *
 * @param name the model
 * @param current the model serving now, or null
 * @param next the model to make current
 * @param from what each of {@code next}'s versions was loaded from (its fingerprint)
 * @param loaded the versions this reload loaded fresh (freed by {@link #discard()})
 * @param failures one message per failed version, or the whole model's failure
 * @param failed the versions that failed to load; null when the whole model failed
 * @param keptServing whether serving versions were kept because something new failed
 */
record Reload(
    String name,
    Model current,
    Model next,
    Map<Long, String> from,
    List<ModelVersion> loaded,
    List<String> failures,
    Set<Long> failed,
    boolean keptServing) {

  /** Whether any of {@code versions} failed to load (all did when the whole model failed). */
  boolean failedAny(Set<Long> versions) {
    if (failures.isEmpty()) {
      return false;
    }
    return failed == null || versions.stream().anyMatch(failed::contains);
  }

  /** Frees the versions this reload loaded; the serving model is untouched. */
  void discard() {
    loaded.forEach(ModelVersion::close);
  }
}
