package org.modelserver.server;

import java.util.List;
import java.util.Optional;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.registry.ModelVersion;

/** Parses a model version as the protocols carry it: a string, empty or absent for the default. */
public final class Versions {
  private Versions() {}

  public static Optional<Long> parse(String version) {
    if (version == null || version.isEmpty()) {
      return Optional.empty();
    }
    if (!version.matches("[1-9][0-9]{0,17}")) {
      throw ServingException.invalidArgument(
          "model version '" + version + "' is not valid; expected a positive integer");
    }
    return Optional.of(Long.parseLong(version));
  }

  /** Version numbers as the protocols carry them, as strings. */
  public static List<String> versionNames(List<ModelVersion> versions) {
    return versions.stream().map(version -> Long.toString(version.version())).toList();
  }
}
