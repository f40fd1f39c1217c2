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

  VersionInstaller(
      ModelRepository repository,
      ModelRegistry registry,
      RepositoryWriter writer,
      ReloadPlanner planner,
      Retirement retirement,
      RepositoryPoller poller,
      UploadLimits limits) {
    this.repository = repository;
    this.registry = registry;
    this.writer = writer;
    this.planner = planner;
    this.retirement = retirement;
    this.poller = poller;
    this.limits = limits;
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
      placed.commit();
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

  /** The number a version published now gets: one more than the newest version folder. */
  long nextVersion(String name) {
    ModelSource source =
        repository
            .find(name)
            .orElseThrow(
                () -> ServingException.notFound("model '" + name + "' is not in the repository"));
    return source.versions().isEmpty() ? 1 : source.versions().lastKey() + 1;
  }

  /**
   * Adds a version built by the server as version {@code number} of the model (see {@link
   * ModelManager#publish}), with {@code pin} as the model's pin.
   */
  void publish(
      String name,
      long number,
      Map<String, Path> files,
      Optional<Long> pin,
      Optional<String> configOverride) {
    Map<String, byte[]> contents = new TreeMap<>();
    for (Map.Entry<String, Path> file : files.entrySet()) {
      try {
        contents.put(number + "/" + file.getKey(), Files.readAllBytes(file.getValue()));
      } catch (IOException e) {
        throw ServingException.internal("cannot read " + file.getValue(), e);
      }
    }
    try (ModelUpload upload = stageFiles(name, contents)) {
      install(Install.addVersions(name, configOverride, upload, pin));
    }
  }
}
