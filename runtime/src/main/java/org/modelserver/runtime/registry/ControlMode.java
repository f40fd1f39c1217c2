package org.modelserver.runtime.registry;

import java.util.Locale;

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

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
