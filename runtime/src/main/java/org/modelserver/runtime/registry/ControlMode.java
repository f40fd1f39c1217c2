package org.modelserver.runtime.registry;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.modelserver.runtime.repository.ModelSource;

/** Triton's model control modes: what the server does with the repository after start. */
public enum ControlMode {
  /** Load everything at start; the repository is then left alone and there is no load API. */
  NONE,
  /** Load everything at start, then rescan periodically and apply what changed. */
  POLL,
  /** Load only the models named at start, then only what the load and unload API ask. */
  EXPLICIT;

  /** Parses {@code none}, {@code poll} or {@code explicit}, in any case. */
  public static ControlMode parse(String text) {
    String value = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
    for (ControlMode mode : values()) {
      if (mode.name().equals(value)) {
        return mode;
      }
    }
    throw new IllegalArgumentException(
        "model-control-mode must be none, poll or explicit, got '" + text + "'");
  }

  /**
   * The models to load at start: every model of the repository in {@code none} and {@code poll}
   * modes, the named ones ({@code *}: all) in {@code explicit} mode.
   *
   * @throws IllegalArgumentException when {@code explicit} mode names a model the repository lacks
   */
  Set<String> loadedAtStart(List<ModelSource> sources, List<String> named, Path root) {
    Set<String> wanted = new LinkedHashSet<>();
    if (this != EXPLICIT || named.contains("*")) {
      sources.forEach(source -> wanted.add(source.name()));
      return wanted;
    }
    Set<String> present = new HashSet<>();
    sources.forEach(source -> present.add(source.name()));
    for (String name : named) {
      if (!present.contains(name)) {
        throw new IllegalArgumentException(
            "--load-model names '"
                + name
                + "', which is not a model folder of the repository "
                + root);
      }
      wanted.add(name);
    }
    return wanted;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
