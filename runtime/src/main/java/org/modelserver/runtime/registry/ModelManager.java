package org.modelserver.runtime.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.modelserver.runtime.concurrent.DaemonThreads;
import org.modelserver.runtime.error.ErrorKind;
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
 */
public final class ModelManager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelManager.class);
  private static final Duration UNLOAD_WAIT = Duration.ofMinutes(5);

  private final ModelRepository repository;
  private final ModelLoader loader;
  private final ModelRegistry registry;
  private final RepositoryWriter writer;
  private final ControlMode mode;
  private final UploadLimits limits;

  private final ReentrantLock lock = new ReentrantLock();

  /** Builds models' next versions; used under {@link #lock}. */
  private final ReloadPlanner planner;

  /** The config override of each model's last explicit load; guarded by lock. */
  private final Map<String, String> overrides = new HashMap<>();

  /** The model-folder digest of the last poll that acted on each model; guarded by lock. */
  private final Map<String, String> polled = new HashMap<>();

  private final Set<CompletableFuture<Void>> draining =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private ScheduledExecutorService poller;

  public ModelManager(
      ModelRepository repository,
      ModelLoader loader,
      ModelRegistry registry,
      ControlMode mode,
      UploadLimits limits) {
    this.repository = repository;
    this.loader = loader;
    this.registry = registry;
    this.writer = new RepositoryWriter(repository.root());
    this.planner = new ReloadPlanner(loader, registry);
    this.mode = mode;
    this.limits = limits;
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
    try {
      writer.removeStaleStaging();
    } catch (ServingException e) {
      // A read-only repository still serves; only uploads would need the staging folder.
      log.warn("Leftovers of an interrupted upload could not be removed: {}", e.getMessage());
    }
    List<ModelSource> sources = repository.scan();
    Set<String> wanted = new LinkedHashSet<>();
    if (mode != ControlMode.EXPLICIT || modelsToLoad.contains("*")) {
      sources.forEach(source -> wanted.add(source.name()));
    } else {
      Set<String> present = new HashSet<>();
      sources.forEach(source -> present.add(source.name()));
      for (String name : modelsToLoad) {
        if (!present.contains(name)) {
          throw new IllegalArgumentException(
              "--load-model names '"
                  + name
                  + "', which is not a model folder of the repository "
                  + repository.root());
        }
        wanted.add(name);
      }
    }
    lock.lock();
    try {
      for (ModelSource source : sources) {
        if (wanted.contains(source.name())) {
          Fingerprints folder = Fingerprints.of(source);
          planner.plan(folder, Optional.empty(), Optional.empty()).commit(this::retire);
          polled.put(source.name(), folder.model());
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Rescans the repository every {@code interval} in {@code poll} mode; a no-op otherwise. */
  public void startPolling(Duration interval) {
    if (mode != ControlMode.POLL) {
      return;
    }
    poller = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("repository-poll"));
    long millis = Math.max(1, interval.toMillis());
    poller.scheduleWithFixedDelay(this::pollQuietly, millis, millis, TimeUnit.MILLISECONDS);
  }

  private void pollQuietly() {
    try {
      poll();
    } catch (RuntimeException e) {
      log.warn("Repository poll failed; the next one retries", e);
    }
  }

  /**
   * Applies what changed in the repository since the last poll: new models load, changed ones
   * reload (unchanged versions are kept as they are), removed ones unload. A model whose folder has
   * not changed since the last attempt is left alone, so a broken version is tried once per change,
   * not once per poll.
   */
  public void poll() {
    List<ModelSource> sources = repository.scan();
    lock.lock();
    try {
      Set<String> present = new HashSet<>();
      for (ModelSource source : sources) {
        present.add(source.name());
        Fingerprints folder = Fingerprints.of(source);
        String digest = folder.model();
        if (digest.equals(polled.get(source.name()))) {
          continue;
        }
        log.info("Repository poll: model {} changed; reloading what changed", source.name());
        planner.plan(folder, Optional.empty(), currentPin(source.name())).commit(this::retire);
        polled.put(source.name(), digest);
      }
      for (Model model : registry.models()) {
        if (!present.contains(model.name())) {
          log.info("Repository poll: model {} was removed; unloading it", model.name());
          registry.remove(model.name());
          planner.forget(model.name());
          overrides.remove(model.name());
          polled.remove(model.name());
          model.versions().values().forEach(this::retire);
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

  private static long versionOrder(IndexEntry entry) {
    return entry.version().isEmpty() ? 0 : Long.parseLong(entry.version());
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
    requireValidName(name);
    ModelUpload upload =
        files.isEmpty()
            ? null
            : stage(() -> ModelUpload.fromFiles(files, name, writer.stagingRoot(), limits));
    try (upload) {
      lock.lock();
      try {
        List<IndexEntry> rows = install(name, configOverride, upload, true, currentPin(name), true);
        configOverride.ifPresentOrElse(
            text -> overrides.put(name, text), () -> overrides.remove(name));
        return rows;
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
    requireValidName(name);
    try (ModelUpload upload =
        stage(() -> ModelUpload.fromArchive(archive, name, writer.stagingRoot(), limits))) {
      lock.lock();
      try {
        return install(
            name, Optional.ofNullable(overrides.get(name)), upload, false, currentPin(name), false);
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
    requireValidName(name);
    lock.lock();
    try {
      ModelSource source =
          repository
              .find(name)
              .orElseThrow(
                  () -> ServingException.notFound("model '" + name + "' is not in the repository"));
      long number = source.versions().isEmpty() ? 1 : source.versions().lastKey() + 1;
      Map<String, byte[]> contents = new TreeMap<>();
      for (Map.Entry<String, Path> file : files.entrySet()) {
        try {
          contents.put(number + "/" + file.getKey(), Files.readAllBytes(file.getValue()));
        } catch (IOException e) {
          throw ServingException.internal("cannot read " + file.getValue(), e);
        }
      }
      Optional<Model> current = registry.find(name).filter(model -> !model.isUnloaded());
      Optional<Long> pin = current.flatMap(Model::pinned);
      if (!promote) {
        pin = pin.or(() -> current.flatMap(Model::defaultVersion).map(ModelVersion::version));
      } else if (pin.isPresent()) {
        pin = Optional.of(number);
      }
      try (ModelUpload upload =
          stage(() -> ModelUpload.fromFiles(contents, name, writer.stagingRoot(), limits))) {
        install(name, Optional.ofNullable(overrides.get(name)), upload, false, pin, false);
      }
      log.info("Model {} version {} published{}", name, number, promote ? " and promoted" : "");
      return number;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stages an upload. Whatever the transport, an upload over the limits is refused like every other
   * upload the server will not take (INVALID_ARGUMENT), naming the option that sets them.
   */
  private static ModelUpload stage(java.util.function.Supplier<ModelUpload> upload) {
    try {
      return upload.get();
    } catch (ServingException e) {
      if (e.kind() != ErrorKind.TOO_LARGE) {
        throw e;
      }
      String message = e.getMessage();
      if (!message.contains("max-upload-size")) {
        message += " (option max-upload-size)";
      }
      throw new ServingException(ErrorKind.INVALID_ARGUMENT, message, e);
    }
  }

  /** The pin the model has now, kept across reloads. Must hold {@link #lock}. */
  private Optional<Long> currentPin(String name) {
    return registry.find(name).filter(model -> !model.isUnloaded()).flatMap(Model::pinned);
  }

  /**
   * Places an upload (if any), then reloads the model with {@code pin}. Must hold the lock.
   *
   * @param failOnAny whether a version that is not part of the upload failing to load fails the
   *     call (Triton's load does; an upload reports such versions in the index only)
   */
  private List<IndexEntry> install(
      String name,
      Optional<String> configOverride,
      ModelUpload upload,
      boolean replace,
      Optional<Long> pin,
      boolean failOnAny) {
    RepositoryWriter.Installation installation =
        upload == null ? null : writer.install(upload, replace);
    Reload outcome;
    Fingerprints folder;
    try {
      ModelSource source =
          repository
              .find(name)
              .orElseThrow(
                  () ->
                      ServingException.notFound(
                          "model '"
                              + name
                              + "' is not in the model repository; add its folder, or"
                              + " upload it"));
      folder = Fingerprints.of(source);
      outcome = planner.plan(folder, configOverride, pin);
      if (installation != null && outcome.failedAny(installation.versions())) {
        outcome.discard();
        installation.rollback();
        throw ServingException.invalidArgument(
            "model '"
                + name
                + "' did not load, so the upload was taken back out of the repository: "
                + String.join("; ", outcome.failures));
      }
    } catch (RuntimeException e) {
      if (installation != null) {
        installation.rollback();
      }
      throw e;
    }
    if (installation != null) {
      installation.commit();
    }
    outcome.commit(this::retire);
    polled.put(name, folder.model());
    if (failOnAny && !outcome.failures.isEmpty()) {
      throw ServingException.invalidArgument(
          "model '"
              + name
              + "' failed to load"
              + (outcome.keptServing ? " (the versions that were serving still serve)" : "")
              + ": "
              + String.join("; ", outcome.failures));
    }
    return modelIndex(name);
  }

  /**
   * Triton's unload: refuses new requests for the model at once (503), waits for the admitted ones
   * to finish and frees the versions. Allowed in {@code explicit} mode only.
   */
  public void unload(String name) {
    requireExplicit("unload");
    requireValidName(name);
    List<CompletableFuture<Void>> drained = new ArrayList<>();
    lock.lock();
    try {
      Model model =
          registry
              .find(name)
              .filter(found -> !found.isUnloaded())
              .orElseThrow(() -> ServingException.notFound("model '" + name + "' is not loaded"));
      registry.swap(Model.unloaded(name));
      planner.forget(name);
      overrides.remove(name);
      for (ModelVersion version : model.versions().values()) {
        drained.add(retire(version));
      }
    } finally {
      lock.unlock();
    }
    try {
      CompletableFuture.allOf(drained.toArray(CompletableFuture[]::new))
          .get(UNLOAD_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn(
          "Model {} is still finishing requests after {}; it is freed when done",
          name,
          UNLOAD_WAIT);
    } catch (ExecutionException e) {
      log.warn("Draining model {} failed", name, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Makes {@code version} the default of the model (the version requests without one go to) for as
   * long as it is READY, whatever newer versions load.
   */
  public void pin(String name, long version) {
    requireValidName(name);
    lock.lock();
    try {
      Model model = loadedModel(name);
      ModelVersion loaded = model.version(version).orElse(null);
      if (loaded != null && loaded.isReady()) {
        registry.swap(model.withPin(Optional.of(version)));
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
      Reload outcome =
          planner.plan(
              Fingerprints.of(source),
              Optional.ofNullable(overrides.get(name)),
              Optional.of(version));
      ModelVersion pinned = outcome.next.versions().get(version);
      if (pinned == null || !pinned.isReady()) {
        outcome.discard();
        throw ServingException.conflict(
            "model '"
                + name
                + "' version "
                + version
                + " did not load, so it cannot be the default: "
                + String.join("; ", outcome.failures));
      }
      outcome.commit(this::retire);
    } finally {
      lock.unlock();
    }
  }

  /** Returns the model to the newest READY version as its default. */
  public void unpin(String name) {
    requireValidName(name);
    lock.lock();
    try {
      Model model = loadedModel(name);
      Optional<ModelSource> source = repository.find(name);
      if (model.pinned().isPresent() && source.isPresent()) {
        // Reloading drops a version that was loaded only because it was pinned.
        planner
            .plan(
                Fingerprints.of(source.get()),
                Optional.ofNullable(overrides.get(name)),
                Optional.empty())
            .commit(this::retire);
      } else {
        registry.swap(model.withPin(Optional.empty()));
      }
    } finally {
      lock.unlock();
    }
  }

  private Model loadedModel(String name) {
    return registry
        .find(name)
        .filter(model -> !model.isUnloaded())
        .orElseThrow(() -> ServingException.notFound("model '" + name + "' is not loaded"));
  }

  /** The index rows of a model just (re)loaded: it is in the registry, no scan is needed. */
  private List<IndexEntry> modelIndex(String name) {
    return registry.index(false).stream().filter(entry -> entry.name().equals(name)).toList();
  }

  /** Drains a version that no longer serves; the future completes once its memory is freed. */
  private CompletableFuture<Void> retire(ModelVersion version) {
    CompletableFuture<Void> drained = version.drain();
    draining.add(drained);
    drained.whenComplete((ignored, error) -> draining.remove(drained));
    return drained;
  }

  /** Versions that are finishing their last requests before being freed. */
  public int drainingVersions() {
    return draining.size();
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

  private static void requireValidName(String name) {
    if (!ModelRepository.isValidModelName(name)) {
      throw ServingException.invalidArgument(
          "invalid model name '"
              + name
              + "': expected letters, digits, '_', '-' and '.', not starting with '.' or '-',"
              + " at most 128 characters");
    }
  }

  /** Stops polling. Versions are freed by closing the registry. */
  @Override
  public void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }
}
