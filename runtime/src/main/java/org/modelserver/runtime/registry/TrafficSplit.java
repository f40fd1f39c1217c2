package org.modelserver.runtime.registry;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Locale;
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
 *
 * <p>A split may be sticky: requests carrying its header draw their version from a hash of the
 * header's value instead of at random, so one caller (a user, a session) stays on one version while
 * the split and the READY versions stay as they are.
 */
public final class TrafficSplit {
  /** Versions a split may name: a canary needs two, a gradual rollout a few. */
  public static final int MAX_VERSIONS = 5;

  /** No split: requests without a version go to the default version. */
  public static final TrafficSplit NONE = new TrafficSplit(new TreeMap<>(), Optional.empty());

  private static final String HEADER_NAME = "[a-z0-9][a-z0-9_.-]{0,63}";

  private final SortedMap<Long, Integer> shares;
  private final Optional<String> stickyHeader;

  private TrafficSplit(SortedMap<Long, Integer> shares, Optional<String> stickyHeader) {
    this.shares = Collections.unmodifiableSortedMap(new TreeMap<>(shares));
    this.stickyHeader = stickyHeader;
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
    return new TrafficSplit(new TreeMap<>(shares), Optional.empty());
  }

  /**
   * The same split, sticky on {@code header} (an HTTP header or gRPC metadata key, any case), or
   * not sticky when empty.
   *
   * @throws ServingException INVALID_ARGUMENT for a name that is not a plain header name
   */
  public TrafficSplit withStickyHeader(Optional<String> header) {
    if (header.isEmpty()) {
      return new TrafficSplit(shares, Optional.empty());
    }
    String name = header.get().toLowerCase(Locale.ROOT);
    if (!name.matches(HEADER_NAME) || name.endsWith("-bin") || isEmpty()) {
      throw ServingException.invalidArgument(
          "traffic split 'sticky_header' must name a header of letters, digits, '-', '_' and '.'"
              + " (at most 64, not ending in '-bin') beside at least one version share, for"
              + " example {\"1\": 90, \"2\": 10, \"sticky_header\": \"x-user-id\"}; got '"
              + header.get()
              + "'");
    }
    return new TrafficSplit(shares, Optional.of(name));
  }

  /** The header whose value keeps a caller on one version, in lower case; empty when random. */
  public Optional<String> stickyHeader() {
    return stickyHeader;
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
   * versions (by the hash of the sticky header's value when the request has it, else at random);
   * empty when there is no split or none of its versions is READY.
   */
  Optional<ModelVersion> choose(
      NavigableMap<Long, ModelVersion> versions, RandomGenerator random, RequestHeaders headers) {
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
    String key = stickyHeader.map(headers::get).orElse(null);
    int draw = key == null || key.isEmpty() ? random.nextInt(total) : bucket(key, total);
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

  /**
   * A bucket in [0, total) from the key's bytes: FNV-1a then a 64-bit finalizer, so that nearby
   * keys ({@code user-1}, {@code user-2}) spread evenly, and the same key lands in the same bucket
   * in every process.
   */
  static int bucket(String key, int total) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
    }
    hash = (hash ^ (hash >>> 33)) * 0xff51afd7ed558ccdL;
    hash = (hash ^ (hash >>> 33)) * 0xc4ceb9fe1a85ec53L;
    hash ^= hash >>> 33;
    return (int) Long.remainderUnsigned(hash, total);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TrafficSplit split
        && split.shares.equals(shares)
        && split.stickyHeader.equals(stickyHeader);
  }

  @Override
  public int hashCode() {
    return shares.hashCode() * 31 + stickyHeader.hashCode();
  }

  @Override
  public String toString() {
    return shares + stickyHeader.map(header -> " sticky on " + header).orElse("");
  }
}
