package org.modelserver.runtime.registry;

import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * A model and the versions its version policy selected, each READY or UNAVAILABLE. A problem with
 * the model as a whole (an unreadable config, no versions, a reload that failed while older
 * versions keep serving) is its {@link #problem()}. Immutable: every change makes a new model.
 */
public final class Model implements AutoCloseable {
  private final String name;
  private final String problem;
  private final NavigableMap<Long, ModelVersion> versions;
  private final Long pinned;
  private final Set<Long> held;
  private final boolean unloaded;
  private final TrafficSplit split;
  private final ShadowSetting shadow;

  private Model(
      String name,
      String problem,
      NavigableMap<Long, ModelVersion> versions,
      Long pinned,
      Set<Long> held,
      boolean unloaded,
      TrafficSplit split,
      ShadowSetting shadow) {
    this.name = Objects.requireNonNull(name, "name");
    this.problem = Objects.requireNonNull(problem, "problem");
    this.versions = Collections.unmodifiableNavigableMap(new TreeMap<>(versions));
    this.pinned = pinned;
    this.held = Set.copyOf(held);
    this.unloaded = unloaded;
    this.split = Objects.requireNonNull(split, "split");
    this.shadow = Objects.requireNonNull(shadow, "shadow");
  }

  public static Model of(String name, NavigableMap<Long, ModelVersion> versions) {
    return new Model(
        name, "", versions, null, Set.of(), false, TrafficSplit.NONE, ShadowSetting.NONE);
  }

  /**
   * A model with a problem that applies to all of it; its versions are either failed ones, or older
   * ones that keep serving because a reload failed.
   */
  public static Model failed(
      String name, String problem, NavigableMap<Long, ModelVersion> versions) {
    return new Model(
        name, problem, versions, null, Set.of(), false, TrafficSplit.NONE, ShadowSetting.NONE);
  }

  /** A model an operator unloaded: known, serving nothing. */
  public static Model unloaded(String name) {
    return new Model(
        name,
        "unloaded by an operator; load it again to serve it",
        new TreeMap<>(),
        null,
        Set.of(),
        true,
        TrafficSplit.NONE,
        ShadowSetting.NONE);
  }

  /** The same model whose default version is {@code version} while that version is READY. */
  public Model withPin(Optional<Long> version) {
    return new Model(name, problem, versions, version.orElse(null), held, unloaded, split, shadow);
  }

  /**
   * The same model with these versions held: loaded and served when asked for by number, but never
   * the default unless pinned (fine-tuned versions that were not promoted).
   */
  public Model withHeld(Set<Long> versions) {
    return new Model(name, problem, this.versions, pinned, versions, unloaded, split, shadow);
  }

  /**
   * The same model with this traffic split: requests without a version are shared among the split's
   * READY versions, ahead of the default version.
   */
  public Model withSplit(TrafficSplit split) {
    return new Model(name, problem, versions, pinned, held, unloaded, split, shadow);
  }

  /**
   * The same model with this shadow: a share of its requests without a version is mirrored to the
   * shadow version once answered.
   */
  public Model withShadow(ShadowSetting shadow) {
    return new Model(name, problem, versions, pinned, held, unloaded, split, shadow);
  }

  /** The model's shadow traffic; {@link ShadowSetting#NONE} when nothing is mirrored. */
  public ShadowSetting shadow() {
    return shadow;
  }

  /** The model's traffic split; {@link TrafficSplit#NONE} when requests follow the default. */
  public TrafficSplit split() {
    return split;
  }

  /** The versions that are never the default unless pinned. */
  public Set<Long> held() {
    return held;
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

  /** The READY versions, oldest first: those metadata and statistics list. */
  public List<ModelVersion> readyVersions() {
    return versions.values().stream().filter(ModelVersion::isReady).toList();
  }

  public Optional<ModelVersion> version(long number) {
    return Optional.ofNullable(versions.get(number));
  }

  /** The version operators pinned as the default, if any. */
  public Optional<Long> pinned() {
    return Optional.ofNullable(pinned);
  }

  /** Whether an operator unloaded this model. */
  public boolean isUnloaded() {
    return unloaded;
  }

  /**
   * The version a request without a version goes to: the pinned one while it is READY, else the
   * newest READY one that is not held.
   */
  public Optional<ModelVersion> defaultVersion() {
    if (pinned != null) {
      ModelVersion version = versions.get(pinned);
      if (version != null && version.isReady()) {
        return Optional.of(version);
      }
    }
    for (ModelVersion version : versions.descendingMap().values()) {
      if (version.isReady() && !held.contains(version.version())) {
        return Optional.of(version);
      }
    }
    return Optional.empty();
  }

  /**
   * The version that answers one request without a version: drawn by the traffic split among its
   * READY versions, else the {@link #defaultVersion()}.
   *
   * @param headers the request's headers, for a sticky split
   */
  public Optional<ModelVersion> routedVersion(RandomGenerator random, RequestHeaders headers) {
    return split.choose(versions, random, headers).or(this::defaultVersion);
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
