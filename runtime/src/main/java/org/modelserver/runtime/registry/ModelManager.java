package org.modelserver.runtime.registry;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.repository.ModelRepository;
import org.modelserver.runtime.repository.ModelSource;
import org.modelserver.runtime.repository.ModelUpload;
import org.modelserver.runtime.repository.RepositoryWriter;
import org.modelserver.runtime.repository.UploadLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads, swaps and unloads models while requests flow, under Triton's model control modes.
 *
 * <p>A (re)load builds the model's new versions beside the serving ones, reusing every version
 * whose files and config did not change, then makes the new model current with one atomic swap in
 * the registry. Versions the new model no longer uses drain: they admit no new request (a request
 * that raced the swap is retried on the new default by the inference service), finish the admitted
 * ones, and only then free their native memory. When a newly selected version fails to load, the
 * versions that were serving keep serving and the failure is reported in the index. Management
 * calls are serialized; inference never waits for them.
 *
 * <p>This class is the serialized facade (the lock, control-mode checks, config overrides); the
 * work is done by {@link ReloadPlanner} (the next version set), {@link VersionInstaller} (placing
 * files, rolling back), {@link Retirement} (draining), {@link RepositoryPoller} (poll mode) and
 * {@link RepositoryIndex}.
 */
public final class ModelManager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelManager.class);
  private static final Duration UNLOAD_WAIT = Duration.ofMinutes(5);

  private final ModelRepository repository;
  private final ModelRegistry registry;
  private final RepositoryWriter writer;
  private final ControlMode mode;
  private final ModelLoader loader;

  /** Serializes management calls; inference never takes it. */
  private final ReentrantLock lock = new ReentrantLock();

  // The parts below are used under the lock (Retirement is thread-safe on its own).
  private final ReloadPlanner planner;
  private final Retirement retirement = new Retirement();
  private final RepositoryPoller poller = new RepositoryPoller();
  private final VersionInstaller installer;
  private final RepositoryIndex index;
  private final ServingDecisions decisions;
  private final DefaultVersions defaults;
  private final Supplier<List<ModelSource>> scanner;

  /** Whether interrupted installs were rolled back; guarded by lock. */
  private boolean recovered;

  /** The config override of each model's last explicit load; guarded by lock. */
  private final Map<String, String> overrides = new HashMap<>();

  public ModelManager(
      ModelRepository repository,
      ModelLoader loader,
      ModelRegistry registry,
      ControlMode mode,
      UploadLimits limits) {
    this(repository, loader, registry, mode, limits, repository::scan);
  }

  /**
   * @param scanner how the repository is scanned at start and on each poll ({@code
   *     repository::scan}; tests slow it down to race a poll against an upload)
   */
  ModelManager(
      ModelRepository repository,
      ModelLoader loader,
      ModelRegistry registry,
      ControlMode mode,
      UploadLimits limits,
      Supplier<List<ModelSource>> scanner) {
    this.scanner = scanner;
    this.repository = repository;
    this.registry = registry;
    this.writer = new RepositoryWriter(repository.root());
    this.decisions = new ServingDecisions(repository.root());
    this.loader = loader;
    this.planner = new ReloadPlanner(loader, registry, decisions::of, this::repositoryConfig);
    this.installer =
        new VersionInstaller(
            repository, registry, writer, planner, retirement, poller, limits, decisions);
    this.index = new RepositoryIndex(repository, registry);
    this.defaults = new DefaultVersions(repository, registry, planner, retirement, decisions);
    this.mode = mode;
  }

  public ControlMode mode() {
    return mode;
  }

  /**
   * Loads the models the mode asks for at start: every model of the repository in {@code none} and
   * {@code poll} modes, the named ones ({@code *}: all) in {@code explicit} mode.
   *
   * @throws IllegalArgumentException when {@code explicit} mode names a model the repository lacks
   */
  public void start(List<String> modelsToLoad) {
    lock.lock();
    try {
      recoverOnce();
    } finally {
      lock.unlock();
    }
    List<ModelSource> sources = scanner.get();
    Set<String> wanted = mode.loadedAtStart(sources, modelsToLoad, repository.root());
    lock.lock();
    try {
      // Ensembles load after the models they use.
      for (ModelSource source : LoadOrder.of(sources, this::repositoryConfig)) {
        defaults.forgetMissingHeld(source);
        if (wanted.contains(source.name())) {
          reload(Fingerprints.of(source), Optional.empty(), currentPin(source.name()));
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Rescans the repository every {@code interval} in {@code poll} mode; a no-op otherwise. */
  public void startPolling(Duration interval) {
    if (mode == ControlMode.POLL) {
      poller.start(interval, this::poll);
    }
  }

  /**
   * Applies what changed in the repository since the last poll: new models load, changed ones
   * reload (unchanged versions are kept as they are), removed ones unload. A model whose folder has
   * not changed since the last attempt is left alone, so a broken version is tried once per change,
   * not once per poll.
   */
  public void poll() {
    lock.lock();
    try {
      // Scanned under the lock: a scan taken before an upload or publish that then waits for the
      // lock would undo it for one interval.
      List<ModelSource> sources = scanner.get();
      Set<String> present = new HashSet<>();
      Map<String, Fingerprints> changed = new HashMap<>();
      List<ModelSource> changedSources = new ArrayList<>();
      for (ModelSource source : sources) {
        present.add(source.name());
        Fingerprints folder = Fingerprints.of(source);
        if (poller.changed(folder)) {
          changed.put(source.name(), folder);
          changedSources.add(source);
        }
      }
      // Only what changed is ordered: reading every config at every poll would be wasted I/O.
      for (ModelSource source : LoadOrder.of(changedSources, this::repositoryConfig)) {
        log.info("Repository poll: model {} changed; reloading what changed", source.name());
        // A batch job records a version it did not promote before its folder appears.
        decisions.reread(source.name());
        reload(changed.get(source.name()), Optional.empty(), currentPin(source.name()));
      }
      for (Model model : registry.models()) {
        if (!present.contains(model.name())) {
          log.info("Repository poll: model {} was removed; unloading it", model.name());
          registry.remove(model.name());
          forget(model.name());
          retirement.retireAll(model);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Triton's repository index: every model of the registry, plus the repository's models that are
   * not loaded (listed without a version, UNAVAILABLE, "not loaded").
   */
  public List<IndexEntry> index(boolean readyOnly) {
    return index.all(readyOnly);
  }

  /**
   * Triton's load: (re)loads a model from the repository, optionally with a config override and
   * with files carried by the request ({@code <version>/<path>} to bytes), which are written into
   * the model's folder first. Allowed in {@code explicit} mode only.
   *
   * @return the model's index rows after the load
   * @throws ServingException CONFLICT outside explicit mode, NOT_FOUND for a model the repository
   *     lacks, INVALID_ARGUMENT when a selected version or the config failed to load (what was
   *     serving keeps serving, and files from the request are taken back out)
   */
  public List<IndexEntry> load(
      String name, Optional<String> configOverride, Map<String, byte[]> files) {
    requireExplicit("load");
    ModelRepository.requireValidName(name);
    ModelUpload upload = files.isEmpty() ? null : installer.stageFiles(name, files);
    try (upload) {
      lock.lock();
      try {
        installer.install(
            new Install(
                name,
                configOverride,
                Optional.ofNullable(upload),
                currentPin(name),
                Install.Kind.LOAD));
        configOverride.ifPresentOrElse(
            text -> overrides.put(name, text), () -> overrides.remove(name));
        return index.of(name);
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Adds a model or new versions from a {@code .zip} or {@code .tar.gz} archive, then loads the
   * model. Allowed in {@code explicit} and {@code poll} modes.
   *
   * @throws ServingException INVALID_ARGUMENT or TOO_LARGE for a refused archive, CONFLICT for a
   *     version that already exists, INVALID_ARGUMENT when an uploaded version fails to load (the
   *     repository is left as it was)
   */
  public List<IndexEntry> upload(String name, InputStream archive) {
    if (mode == ControlMode.NONE) {
      throw ServingException.conflict(
          "uploads are disabled in model control mode 'none'; start the server with"
              + " --model-control-mode=explicit (or poll) to add models while it runs");
    }
    ModelRepository.requireValidName(name);
    try (ModelUpload upload = installer.stageArchive(name, archive)) {
      lock.lock();
      try {
        installer.install(
            Install.addVersions(
                name, Optional.ofNullable(overrides.get(name)), upload, currentPin(name)));
        return index.of(name);
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Adds a version built by the server (a fine-tuning job's output) to the model: the files (name
   * in the version folder to file on disk) become version max+1, placed atomically and loaded
   * through the hot-swap path, in any control mode. {@code promote} makes it the default (as the
   * newest ready version, or by moving an existing pin to it); otherwise the current default is
   * pinned first, so the new version loads beside it without taking traffic. On failure nothing is
   * left in the repository.
   *
   * @return the new version number
   */
  public long publish(String name, Map<String, Path> files, boolean promote) {
    ModelRepository.requireValidName(name);
    lock.lock();
    try {
      long number =
          installer.publish(name, files, promote, Optional.ofNullable(overrides.get(name)));
      log.info("Model {} version {} published{}", name, number, promote ? " and promoted" : "");
      return number;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Triton's unload: refuses new requests for the model at once (503), waits for the admitted ones
   * to finish and frees the versions. Allowed in {@code explicit} mode only.
   */
  public void unload(String name) {
    unload(name, false);
  }

  /**
   * Triton's unload with {@code unload_dependents}: when true, the loaded ensembles that use the
   * model (directly or through other ensembles) are unloaded with it. Without it they stay loaded,
   * and their requests fail UNAVAILABLE naming the missing step model until it is loaded again.
   */
  public void unload(String name, boolean unloadDependents) {
    requireExplicit("unload");
    ModelRepository.requireValidName(name);
    List<CompletableFuture<Void>> drained = new java.util.ArrayList<>();
    lock.lock();
    try {
      Model model = registry.requireLoaded(name);
      List<Model> gone = new java.util.ArrayList<>(List.of(model));
      if (unloadDependents) {
        gone.addAll(Dependents.of(name, registry));
      }
      for (Model leaving : gone) {
        registry.swap(Model.unloaded(leaving.name()));
        forget(leaving.name());
        drained.addAll(retirement.retireAll(leaving));
      }
    } finally {
      lock.unlock();
    }
    Retirement.await(name, drained, UNLOAD_WAIT);
  }

  /** A repository model's config, or empty when it has none that reads; for ensemble checks. */
  private Optional<org.modelserver.runtime.config.ModelConfig> repositoryConfig(String name) {
    try {
      return repository.find(name).map(source -> loader.readConfig(source, Optional.empty()));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Makes {@code version} the default of the model (the version requests without one go to) for as
   * long as it is READY, whatever newer versions load.
   */
  public void pin(String name, long version) {
    ModelRepository.requireValidName(name);
    lock.lock();
    try {
      defaults.pin(registry.requireLoaded(name), version, Optional.ofNullable(overrides.get(name)));
    } finally {
      lock.unlock();
    }
  }

  /** Returns the model to the newest READY version as its default. */
  public void unpin(String name) {
    ModelRepository.requireValidName(name);
    lock.lock();
    try {
      defaults.unpin(registry.requireLoaded(name), Optional.ofNullable(overrides.get(name)));
    } finally {
      lock.unlock();
    }
  }

  /**
   * Shares the model's requests without a version among its versions ({@link TrafficSplit#NONE}
   * clears the split, and requests follow the default version again). Every version of the split
   * must be loaded and READY; the split is recorded before it takes effect.
   *
   * @throws ServingException NOT_FOUND for a model or version that is not loaded, CONFLICT for a
   *     version that is not READY
   */
  public void split(String name, TrafficSplit split) {
    ModelRepository.requireValidName(name);
    lock.lock();
    try {
      defaults.split(registry.requireLoaded(name), split);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Mirrors a share of the model's requests without a version to a shadow version once they are
   * answered ({@link ShadowSetting#NONE} stops it). The shadow version must be loaded and READY;
   * the setting is recorded before it takes effect.
   *
   * @throws ServingException NOT_FOUND for a model or version that is not loaded, CONFLICT for a
   *     version that is not READY
   */
  public void shadow(String name, ShadowSetting shadow) {
    ModelRepository.requireValidName(name);
    lock.lock();
    try {
      defaults.shadow(registry.requireLoaded(name), shadow);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The model's version folders by number, as the repository has them (installs a crash interrupted
   * are rolled back first); empty for a model the repository lacks.
   */
  public NavigableMap<Long, Path> versionFolders(String name) {
    lock.lock();
    try {
      recoverOnce();
      return repository
          .find(name)
          .map(ModelSource::versions)
          .<NavigableMap<Long, Path>>map(TreeMap::new)
          .orElseGet(TreeMap::new);
    } finally {
      lock.unlock();
    }
  }

  /** Whether the version is held: published without promotion, never the default until pinned. */
  public boolean isHeld(String name, long version) {
    lock.lock();
    try {
      return decisions.of(name).held().contains(version);
    } finally {
      lock.unlock();
    }
  }

  /** Versions that are finishing their last requests before being freed. */
  public int drainingVersions() {
    return retirement.draining();
  }

  /**
   * Rolls back the installs a crash interrupted, once, before anything reads the repository. Must
   * hold the lock.
   */
  private void recoverOnce() {
    if (recovered) {
      return;
    }
    recovered = true;
    try {
      for (String rolledBack : writer.recoverInterrupted()) {
        log.warn("Rolled back an install interrupted by a crash: {}", rolledBack);
      }
    } catch (ServingException e) {
      // A read-only repository still serves; only uploads would need the staging folder.
      log.warn("Leftovers of an interrupted upload could not be removed: {}", e.getMessage());
    }
  }

  /** Reloads a model folder and records it as seen by the poller. Must hold the lock. */
  private void reload(Fingerprints folder, Optional<String> configOverride, Optional<Long> pin) {
    planner.commit(planner.plan(folder, configOverride, pin), retirement::retire);
    poller.seen(folder);
  }

  /** Forgets what the manager knew of a model that left the registry. Must hold the lock. */
  private void forget(String name) {
    planner.forget(name);
    overrides.remove(name);
    poller.forget(name);
  }

  /**
   * The pin the model has now, kept across reloads: the loaded model's, else the recorded one (at
   * start, and for a model not loaded). Must hold the lock.
   */
  private Optional<Long> currentPin(String name) {
    Optional<Model> loaded = registry.find(name).filter(model -> !model.isUnloaded());
    return loaded.isPresent() ? loaded.get().pinned() : decisions.of(name).pin();
  }

  private void requireExplicit(String operation) {
    if (mode != ControlMode.EXPLICIT) {
      throw ServingException.conflict(
          "model "
              + operation
              + " is not allowed in model control mode '"
              + mode.label()
              + "'; start the server with --model-control-mode=explicit to "
              + operation
              + " models through the API"
              + (mode == ControlMode.POLL
                  ? " (in poll mode, change the repository and it is applied on the next poll)"
                  : ""));
    }
  }

  /** Stops polling. Versions are freed by closing the registry. */
  @Override
  public void close() {
    poller.close();
  }
}
