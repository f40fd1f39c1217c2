package org.modelserver.runtime.registry;

import java.util.Optional;
import java.util.random.RandomGenerator;
import org.modelserver.runtime.error.ServingException;

/**
 * A model's shadow traffic: the version that also receives a share of the requests without a
 * version, after the caller's answer is on its way, so that its outputs can be compared with the
 * answering version's. Immutable; {@link #of} validates once.
 */
public final class ShadowSetting {
  /** No shadow: nothing is mirrored. */
  public static final ShadowSetting NONE = new ShadowSetting(0, 0);

  private final long version;
  private final int percent;

  private ShadowSetting(long version, int percent) {
    this.version = version;
    this.percent = percent;
  }

  /**
   * A shadow of {@code version} for {@code percent} (1 to 100) of the requests without a version.
   *
   * @throws ServingException INVALID_ARGUMENT naming what is wrong and what is expected
   */
  public static ShadowSetting of(long version, int percent) {
    if (version < 1) {
      throw ServingException.invalidArgument(
          "shadow 'version' must be a positive version number, got " + version);
    }
    if (percent < 1 || percent > 100) {
      throw ServingException.invalidArgument(
          "shadow 'percent' must be a whole percentage from 1 to 100, got " + percent);
    }
    return new ShadowSetting(version, percent);
  }

  /** The shadow version; empty for {@link #NONE}. */
  public Optional<Long> version() {
    return isEmpty() ? Optional.empty() : Optional.of(version);
  }

  /** The percentage of requests without a version that are mirrored; 0 for {@link #NONE}. */
  public int percent() {
    return percent;
  }

  public boolean isEmpty() {
    return percent == 0;
  }

  /** Draws whether one request is mirrored. */
  public boolean draw(RandomGenerator random) {
    return percent >= 100 || (percent > 0 && random.nextInt(100) < percent);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ShadowSetting setting
        && setting.version == version
        && setting.percent == percent;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(version) * 31 + percent;
  }

  @Override
  public String toString() {
    return isEmpty() ? "none" : "version " + version + " at " + percent + "%";
  }
}
