package org.modelserver.runtime.registry;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.ModelConfigException;
import org.modelserver.runtime.engine.ModelLoadException;
import org.modelserver.runtime.repository.ModelSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a model's next set of versions beside the serving one: versions whose files and config are
 * unchanged are reused as they are, the others load fresh, and when a newly selected version fails,
 * what serves is kept. Remembers what each registered version was loaded from. Not thread-safe:
 * {@link ModelManager} calls it under its lock.
 */
final class ReloadPlanner {
  private static final Logger log = LoggerFactory.getLogger(ReloadPlanner.class);

  private final ModelLoader loader;
  private final ModelRegistry registry;
  private final EnsembleLoader ensembles;

  /** What each version in the registry was loaded from (its fingerprint), by model. */
  private final Map<String, Map<Long, String>> loadedFrom = new HashMap<>();

  /** Each model's recorded decisions: held versions and traffic split. */
  private final Function<String, ServingDecisions.Decision> decided;

  ReloadPlanner(ModelLoader loader, ModelRegistry registry) {
    this(loader, registry, name -> ServingDecisions.Decision.NONE, name -> Optional.empty());
  }

  /**
   * @param repositoryConfigs a repository model's config by name, for the ensembles' cycle check
   */
  ReloadPlanner(
      ModelLoader loader,
      ModelRegistry registry,
      Function<String, ServingDecisions.Decision> decided,
      Function<String, Optional<ModelConfig>> repositoryConfigs) {
    this.decided = decided;
    this.loader = loader;
    this.registry = registry;
    this.ensembles = new EnsembleLoader(registry, repositoryConfigs, loader.guards());
  }

  /**
   * Makes a planned model current atomically, remembers what its versions were loaded from, then
   * hands what it no longer uses to {@code retire} (which drains it).
   */
  void commit(Reload reload, Consumer<ModelVersion> retire) {
    Optional<Model> replaced = registry.swap(reload.next());
    loadedFrom.put(reload.name(), reload.from());
    Map<ModelVersion, Boolean> kept = new IdentityHashMap<>();
    reload.next().versions().values().forEach(version -> kept.put(version, true));
    replaced.ifPresent(
        old ->
            old.versions().values().stream()
                .filter(version -> !kept.containsKey(version))
                .forEach(retire));
    if (reload.current() != null || !reload.failures().isEmpty()) {
      log.info(
          "Model {} now serves versions {}{}",
          reload.name(),
          reload.next().versions().values().stream()
              .filter(ModelVersion::isReady)
              .map(ModelVersion::version)
              .toList(),
          reload.failures().isEmpty()
              ? ""
              : " (failed: " + String.join("; ", reload.failures()) + ")");
    }
  }

  /** The model's held versions that its folder has. */
  private Set<Long> heldOf(ModelSource source) {
    Set<Long> held = new TreeSet<>(decided.apply(source.name()).held());
    held.retainAll(source.versions().keySet());
    return held;
  }

  /** The source without these versions, unless that would leave it none. */
  private static ModelSource withoutVersions(ModelSource source, Set<Long> versions) {
    if (versions.isEmpty() || versions.containsAll(source.versions().keySet())) {
      return source;
    }
    NavigableMap<Long, Path> rest = new TreeMap<>(source.versions());
    rest.keySet().removeAll(versions);
    return new ModelSource(source.name(), source.dir(), rest);
  }

  /** Forgets a model that left the registry or was unloaded. */
  void forget(String name) {
    loadedFrom.remove(name);
  }

  /**
   * Builds the model as the repository now describes it, beside the serving one, without making it
   * current.
   */
  Reload plan(Fingerprints folder, Optional<String> configOverride, Optional<Long> pin) {
    ModelSource source = folder.source();
    String name = source.name();
    Model current = registry.find(name).filter(model -> !model.isUnloaded()).orElse(null);
    Map<Long, String> currentFrom = loadedFrom.getOrDefault(name, Map.of());
    ModelConfig config;
    SortedSet<Long> selected;
    try {
      config = loader.readConfig(source, configOverride);
      // Held versions (fine-tuned, not promoted) take no place in the version policy's choice,
      // and stay loaded beside it; a pinned version stays loaded whatever the policy selects.
      Set<Long> held = heldOf(source);
      selected = new TreeSet<>(loader.select(withoutVersions(source, held), config));
      selected.addAll(held);
      pin.filter(source.versions()::containsKey).ifPresent(selected::add);
    } catch (ModelConfigException | ModelLoadException e) {
      return failedWhole(source, current, currentFrom, e.getMessage(), pin);
    }
    NavigableMap<Long, ModelVersion> versions = new TreeMap<>();
    Map<Long, String> from = new HashMap<>();
    List<ModelVersion> loaded = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    Set<Long> failed = new HashSet<>();
    for (long number : selected) {
      String digest = folder.version(number, configOverride);
      ModelVersion serving = current == null ? null : current.versions().get(number);
      if (serving != null && serving.isReady() && digest.equals(currentFrom.get(number))) {
        versions.put(number, serving);
        from.put(number, digest);
        continue;
      }
      ModelVersion fresh =
          config.isEnsemble()
              ? ensembles.load(number, config)
              : loader.loadVersion(name, number, source.versions().get(number), config);
      if (fresh.isReady()) {
        loaded.add(fresh);
        versions.put(number, fresh);
        from.put(number, digest);
        continue;
      }
      failures.add("version " + number + ": " + fresh.reason());
      failed.add(number);
      if (serving != null && serving.isReady()) {
        // The same version number with new files that do not load: the old files keep serving.
        versions.put(number, serving);
        from.put(number, currentFrom.get(number));
      } else {
        versions.put(number, fresh);
        from.put(number, digest);
      }
    }
    boolean keptServing = false;
    if (!failures.isEmpty() && current != null) {
      // Nothing that serves is retired while a newly selected version failed to load.
      for (ModelVersion serving : current.versions().values()) {
        if (serving.isReady() && !versions.containsKey(serving.version())) {
          versions.put(serving.version(), serving);
          from.put(serving.version(), currentFrom.get(serving.version()));
        }
      }
      keptServing = versions.values().stream().anyMatch(ModelVersion::isReady);
    }
    Model next =
        (failures.isEmpty() || current == null
                ? Model.of(name, versions)
                : Model.failed(name, "reload failed: " + String.join("; ", failures), versions))
            .withPin(pin.filter(versions::containsKey))
            .withHeld(heldOf(source))
            .withSplit(decided.apply(name).split())
            .withShadow(decided.apply(name).shadow());
    return new Reload(name, current, next, from, loaded, failures, failed, keptServing);
  }

  /** A config or version-policy failure: what serves keeps serving, with the reason attached. */
  private Reload failedWhole(
      ModelSource source,
      Model current,
      Map<Long, String> currentFrom,
      String reason,
      Optional<Long> pin) {
    String name = source.name();
    NavigableMap<Long, ModelVersion> versions = new TreeMap<>();
    Map<Long, String> from = new HashMap<>();
    boolean keptServing = false;
    if (current != null) {
      for (ModelVersion serving : current.versions().values()) {
        if (serving.isReady()) {
          versions.put(serving.version(), serving);
          from.put(serving.version(), currentFrom.get(serving.version()));
          keptServing = true;
        }
      }
    }
    if (versions.isEmpty()) {
      for (Long number : source.versions().keySet()) {
        versions.put(number, ModelVersion.unavailable(name, number, reason));
      }
    }
    Model next =
        Model.failed(name, keptServing ? "reload failed: " + reason : reason, versions)
            .withPin(pin)
            .withHeld(heldOf(source))
            .withSplit(decided.apply(name).split())
            .withShadow(decided.apply(name).shadow());
    // A config or policy failure concerns every version, including uploaded ones.
    return new Reload(name, current, next, from, List.of(), List.of(reason), null, keptServing);
  }
}
