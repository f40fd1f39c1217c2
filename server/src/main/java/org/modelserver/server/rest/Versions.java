package org.modelserver.server.rest;

import java.util.Optional;
import org.modelserver.runtime.error.ServingException;

/** Parses the {version} path segment. */
final class Versions {
  private Versions() {}

  static Optional<Long> parse(String version) {
    if (version == null) {
      return Optional.empty();
    }
    if (!version.matches("[1-9][0-9]{0,17}")) {
      throw ServingException.invalidArgument(
          "model version '" + version + "' is not valid; expected a positive integer");
    }
    return Optional.of(Long.parseLong(version));
  }
}
