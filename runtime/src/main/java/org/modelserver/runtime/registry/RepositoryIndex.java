package org.modelserver.runtime.registry;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.modelserver.runtime.repository.ModelRepository;
import org.modelserver.runtime.repository.ModelSource;

/**
 * Triton's repository index: every model of the registry, plus the repository's models that are not
 * loaded (listed without a version, UNAVAILABLE, "not loaded").
 */
final class RepositoryIndex {
  private final ModelRepository repository;
  private final ModelRegistry registry;

  RepositoryIndex(ModelRepository repository, ModelRegistry registry) {
    this.repository = repository;
    this.registry = registry;
  }

  List<IndexEntry> all(boolean readyOnly) {
    List<IndexEntry> entries = new ArrayList<>(registry.index(readyOnly));
    if (!readyOnly) {
      Set<String> known = new HashSet<>();
      registry.models().forEach(model -> known.add(model.name()));
      for (ModelSource source : repository.scan()) {
        if (!known.contains(source.name())) {
          entries.add(new IndexEntry(source.name(), "", ModelState.UNAVAILABLE, "not loaded"));
        }
      }
      entries.sort(
          (a, b) ->
              a.name().equals(b.name())
                  ? Long.compare(versionOrder(a), versionOrder(b))
                  : a.name().compareTo(b.name()));
    }
    return entries;
  }

  /** The index rows of a model just (re)loaded: it is in the registry, no scan is needed. */
  List<IndexEntry> of(String model) {
    return registry.index(false).stream().filter(entry -> entry.name().equals(model)).toList();
  }

  private static long versionOrder(IndexEntry entry) {
    return entry.version().isEmpty() ? 0 : Long.parseLong(entry.version());
  }
}
