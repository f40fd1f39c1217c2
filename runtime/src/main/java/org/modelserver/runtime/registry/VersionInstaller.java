package org.modelserver.runtime.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.repository.CrashPoints;
import org.modelserver.runtime.repository.ModelRepository;
import org.modelserver.runtime.repository.ModelSource;
import org.modelserver.runtime.repository.ModelUpload;
import org.modelserver.runtime.repository.RepositoryWriter;
import org.modelserver.runtime.repository.UploadLimits;

/**
 * Stages files, places them in a model's folder and reloads the model; when what the files brought
 * fails to load, the placement is rolled back, so the repository never keeps a version that did not
 * load. Not thread-safe: {@link ModelManager} calls it under its lock.
 */
final class VersionInstaller {
  private final ModelRepository repository;
  private final ModelRegistry registry;
  private final RepositoryWriter writer;
  private final ReloadPlanner planner;
  private final Retirement retirement;
  private final RepositoryPoller poller;
  private final UploadLimits limits;
  private final ServingDecisions decisions;

  VersionInstaller(
      ModelRepository repository,
      ModelRegistry registry,
      RepositoryWriter writer,
      ReloadPlanner planner,
      Retirement retirement,
      RepositoryPoller poller,
      UploadLimits limits,
      ServingDecisions decisions) {
    this.repository = repository;
    this.registry = registry;
    this.writer = writer;
    this.planner = planner;
    this.retirement = retirement;
    this.poller = poller;
    this.limits = limits;
    this.decisions = decisions;
  }

  /** Stages files ({@code <version>/<path>} to bytes) for the model's folder. */
  ModelUpload stageFiles(String model, Map<String, byte[]> files) {
    return stage(() -> ModelUpload.fromFiles(files, model, writer.stagingRoot(), limits));
  }

  /** Stages a {@code .zip} or {@code .tar.gz} archive of the model's folder. */
  ModelUpload stageArchive(String model, InputStream archive) {
    return stage(() -> ModelUpload.fromArchive(archive, model, writer.stagingRoot(), limits));
  }

  /**
   * Whatever the transport, an upload over the limits is refused like every other upload the server
   * will not take (INVALID_ARGUMENT), naming the option that sets them.
   */
  private static ModelUpload stage(Supplier<ModelUpload> upload) {
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

  /**
   * Places the request's files (if any), then reloads the model.
   *
   * @throws ServingException NOT_FOUND for a model the repository lacks; INVALID_ARGUMENT when what
   *     the request's kind counts as a failure happened (the files are taken back out)
   */
  void install(Install request) {
    String name = request.model();
    RepositoryWriter.Installation placed =
        request
            .files()
            .map(files -> writer.install(files, request.kind() == Install.Kind.LOAD))
            .orElse(null);
    if (placed != null) {
      CrashPoints.reach(CrashPoints.INSTALL_PLACED);
    }
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
      outcome = planner.plan(folder, request.configOverride(), request.pin());
      if (placed != null && outcome.failedAny(placed.versions())) {
        outcome.discard();
        placed.rollback();
        throw ServingException.invalidArgument(
            "model '"
                + name
                + "' did not load, so the upload was taken back out of the repository: "
                + String.join("; ", outcome.failures()));
      }
    } catch (RuntimeException e) {
      if (placed != null) {
        placed.rollback();
      }
      throw e;
    }
    if (placed != null) {
      try {
        placed.commit();
      } catch (RuntimeException e) {
        outcome.discard();
        throw e;
      }
    }
    planner.commit(outcome, retirement::retire);
    poller.seen(folder);
    if (request.kind() == Install.Kind.LOAD && !outcome.failures().isEmpty()) {
      throw ServingException.invalidArgument(
          "model '"
              + name
              + "' failed to load"
              + (outcome.keptServing() ? " (the versions that were serving still serve)" : "")
              + ": "
              + String.join("; ", outcome.failures()));
    }
  }

  /**
   * Adds a version built by the server as version max+1 of the model (see {@link
   * ModelManager#publish}): without {@code promote}, the current default is pinned and the new
   * version held, both recorded before any file moves, so that after a crash or a restart the new
   * version still takes no traffic.
   *
   * @return the new version number
   * @throws ServingException CONFLICT when the model was unloaded (publishing would load it again)
   */
  long publish(
      String name, Map<String, Path> files, boolean promote, Optional<String> configOverride) {
    Model current =
        registry
            .find(name)
            .filter(model -> !model.isUnloaded())
            .orElseThrow(
                () ->
                    ServingException.conflict(
                        "model '"
                            + name
                            + "' was unloaded while the job ran; publishing into it would load"
                            + " it again, so nothing was published (load the model and run the"
                            + " job again)"));
    ModelSource source =
        repository
            .find(name)
            .orElseThrow(
                () -> ServingException.notFound("model '" + name + "' is not in the repository"));
    long number = source.versions().isEmpty() ? 1 : source.versions().lastKey() + 1;
    Optional<Long> pin = current.pinned();
    ServingDecisions.Decision before = decisions.of(name);
    ServingDecisions.Decision after;
    if (!promote) {
      pin = pin.or(() -> current.defaultVersion().map(ModelVersion::version));
      after = before.withPin(pin).hold(number);
    } else {
      pin = pin.map(old -> number);
      after = before.release(number).withPin(pin);
    }
    Map<String, byte[]> contents = new TreeMap<>();
    for (Map.Entry<String, Path> file : files.entrySet()) {
      try {
        contents.put(number + "/" + file.getKey(), Files.readAllBytes(file.getValue()));
      } catch (IOException e) {
        throw ServingException.internal("cannot read " + file.getValue(), e);
      }
    }
    decisions.save(name, after);
    try (ModelUpload upload = stageFiles(name, contents)) {
      install(Install.addVersions(name, configOverride, upload, pin));
    } catch (RuntimeException e) {
      decisions.save(name, before);
      throw e;
    }
    return number;
  }
}
