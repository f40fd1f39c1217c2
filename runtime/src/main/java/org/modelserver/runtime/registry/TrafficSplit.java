package org.modelserver.runtime.registry;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import org.modelserver.runtime.error.ServingException;

/**
 * A model's traffic split (canary): the percentage of requests without a version that each version
 * answers. Immutable; {@link #of} validates once. While a version of the split is not READY (not
 * loaded, reloading, or removed from the repository), its share goes to the others in proportion to
 * theirs; when none is READY, requests follow the default version.
 */
public final class TrafficSplit {
  /** Versions a split may name: a canary needs two, a gradual rollout a few. */
  public static final int MAX_VERSIONS = 5;

  /** No split: requests without a version go to the default version. */
  public static final TrafficSplit NONE = new TrafficSplit(new TreeMap<>());

  private final SortedMap<Long, Integer> shares;

  private TrafficSplit(SortedMap<Long, Integer> shares) {
    this.shares = Collections.unmodifiableSortedMap(new TreeMap<>(shares));
  }

  /**
   * A split of whole percentages, each 1 to 100, summing to 100, over 1 to {@link #MAX_VERSIONS}
   * versions.
   *
   * @throws ServingException INVALID_ARGUMENT naming what is wrong and what is expected
   */
  public static TrafficSplit of(Map<Long, Integer> shares) {
    if (shares.isEmpty()) {
      throw ServingException.invalidArgument(
          "a traffic split needs at least one version, e.g. {\"1\": 90, \"2\": 10}; to clear it,"
              + " send DELETE");
    }
    if (shares.size() > MAX_VERSIONS) {
      throw ServingException.invalidArgument(
          "a traffic split names at most "
              + MAX_VERSIONS
              + " versions, got "
              + shares.size()
              + " ("
              + new TreeMap<>(shares).keySet()
              + ")");
    }
    int sum = 0;
    for (Map.Entry<Long, Integer> share : shares.entrySet()) {
      if (share.getKey() < 1) {
        throw ServingException.invalidArgument(
            "traffic split version '" + share.getKey() + "' must be a positive version number");
      }
      int percent = share.getValue();
      if (percent < 1 || percent > 100) {
        throw ServingException.invalidArgument(
            "traffic split share of version "
                + share.getKey()
                + " must be a whole percentage from 1 to 100, got "
                + percent);
      }
      sum += percent;
    }
    if (sum != 100) {
      throw ServingException.invalidArgument(
          "traffic split shares must sum to 100, got " + sum + " (" + new TreeMap<>(shares) + ")");
    }
    return new TrafficSplit(new TreeMap<>(shares));
  }

  /** The share of each version, by version number; empty for {@link #NONE}. */
  public SortedMap<Long, Integer> shares() {
    return shares;
  }

  public boolean isEmpty() {
    return shares.isEmpty();
  }

  /**
   * Draws the version that answers one request, weighted by the shares of the split's READY
   * versions; empty when there is no split or none of its versions is READY.
   */
  Optional<ModelVersion> choose(NavigableMap<Long, ModelVersion> versions, RandomGenerator random) {
    int total = 0;
    for (Map.Entry<Long, Integer> share : shares.entrySet()) {
      ModelVersion version = versions.get(share.getKey());
      if (version != null && version.isReady()) {
        total += share.getValue();
      }
    }
    if (total == 0) {
      return Optional.empty();
    }
    int draw = random.nextInt(total);
    for (Map.Entry<Long, Integer> share : shares.entrySet()) {
      ModelVersion version = versions.get(share.getKey());
      if (version != null && version.isReady()) {
        draw -= share.getValue();
        if (draw < 0) {
          return Optional.of(version);
        }
      }
    }
    throw new IllegalStateException("unreachable: the draw is below the total of the shares");
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TrafficSplit split && split.shares.equals(shares);
  }

  @Override
  public int hashCode() {
    return shares.hashCode();
  }

  @Override
  public String toString() {
    return shares.toString();
  }
}
