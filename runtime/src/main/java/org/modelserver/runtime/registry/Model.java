package org.modelserver.runtime.registry;

import java.util.Collections;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A model and the versions its version policy selected, each READY or UNAVAILABLE. A problem with
 * the model as a whole (an unreadable config, no versions) is its {@link #problem()}.
 */
public final class Model implements AutoCloseable {
  private final String name;
  private final String problem;
  private final NavigableMap<Long, ModelVersion> versions;

  private Model(String name, String problem, NavigableMap<Long, ModelVersion> versions) {
    this.name = Objects.requireNonNull(name, "name");
    this.problem = problem;
    this.versions = Collections.unmodifiableNavigableMap(new TreeMap<>(versions));
  }

  public static Model of(String name, NavigableMap<Long, ModelVersion> versions) {
    return new Model(name, "", versions);
  }

  /** A model none of whose versions can load, for a reason that applies to all of them. */
  public static Model failed(
      String name, String problem, NavigableMap<Long, ModelVersion> versions) {
    return new Model(name, Objects.requireNonNull(problem, "problem"), versions);
  }

  public String name() {
    return name;
  }

  /** A reason that applies to the whole model; empty when there is none. */
  public String problem() {
    return problem;
  }

  public NavigableMap<Long, ModelVersion> versions() {
    return versions;
  }

  public Optional<ModelVersion> version(long number) {
    return Optional.ofNullable(versions.get(number));
  }

  /** The version a request without a version goes to: the newest READY one. */
  public Optional<ModelVersion> defaultVersion() {
    for (ModelVersion version : versions.descendingMap().values()) {
      if (version.isReady()) {
        return Optional.of(version);
      }
    }
    return Optional.empty();
  }

  public boolean isReady() {
    return defaultVersion().isPresent();
  }

  /** Whether every selected version is READY and the model has no problem. */
  public boolean isFullyReady() {
    return problem.isEmpty()
        && !versions.isEmpty()
        && versions.values().stream().allMatch(ModelVersion::isReady);
  }

  /** Why the model cannot serve: its problem, or each version's reason. */
  public String unavailableReason() {
    if (!problem.isEmpty()) {
      return problem;
    }
    StringBuilder reasons = new StringBuilder();
    for (ModelVersion version : versions.values()) {
      if (!version.isReady()) {
        if (reasons.length() > 0) {
          reasons.append("; ");
        }
        reasons.append("version ").append(version.version()).append(": ").append(version.reason());
      }
    }
    return reasons.toString();
  }

  @Override
  public void close() {
    versions.values().forEach(ModelVersion::close);
  }
}
