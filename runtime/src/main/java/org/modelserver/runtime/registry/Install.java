package org.modelserver.runtime.registry;

import java.util.Optional;
import org.modelserver.runtime.repository.ModelUpload;

/**
 * One request to (re)load a model through {@link VersionInstaller}: what to place in its folder
 * first, which config and pin to load it with, and how strict to be about failures.
 *
 * @param model the model's name
 * @param configOverride config text that replaces the folder's config for this load
 * @param files staged files to place in the model's folder first, if any
 * @param pin the default version to keep (or set) across the reload
 * @param kind how the files are placed and which failures fail the call
 */
record Install(
    String model,
    Optional<String> configOverride,
    Optional<ModelUpload> files,
    Optional<Long> pin,
    Kind kind) {

  /** An upload or a published version: adds the staged version folders to the model. */
  static Install addVersions(
      String model, Optional<String> configOverride, ModelUpload files, Optional<Long> pin) {
    return new Install(model, configOverride, Optional.of(files), pin, Kind.ADD_VERSIONS);
  }

  enum Kind {
    /**
     * Triton's load: files may replace existing ones, and any selected version that fails to load
     * fails the call (what was serving keeps serving).
     */
    LOAD,
    /**
     * An upload or a published version: only new version folders are added, and only their failure
     * fails the call; other versions' failures show in the index.
     */
    ADD_VERSIONS
  }
}
