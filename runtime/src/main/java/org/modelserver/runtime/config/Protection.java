package org.modelserver.runtime.config;

import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * How one model is protected from overload and from its own faults: a bulkhead on concurrent
 * requests, an in-flight byte budget, a rate limit per caller and a circuit breaker on engine
 * faults. Not part of Triton's config; written as {@code protection:} in {@code config.yaml}.
 *
 * <p>A model's section may set only some fields; {@link #UNSET} marks the others, which take the
 * server's defaults ({@link #orDefaults}). Every number is 0 or more, and 0 turns its feature off.
 *
 * @param maxConcurrentRequests requests of this model admitted at once, queued or running
 * @param maxInflightBytes bytes of request bodies and tensors this model may hold at once
 * @param rateLimitPerSecond requests per second one caller (token or address) may send
 * @param rateLimitBurst requests one caller may send at once after being idle
 * @param failureRateThreshold percentage of failed requests (engine faults only) that opens the
 *     circuit breaker
 * @param minimumCalls requests recorded before the failure rate counts
 * @param slidingWindowSize the last requests the failure rate is measured over
 * @param waitInOpenStateMillis how long an open breaker refuses requests before it lets a few try
 * @param permittedCallsInHalfOpenState the trial requests that decide whether it closes again
 */
public record Protection(
    int maxConcurrentRequests,
    long maxInflightBytes,
    int rateLimitPerSecond,
    int rateLimitBurst,
    int failureRateThreshold,
    int minimumCalls,
    int slidingWindowSize,
    long waitInOpenStateMillis,
    int permittedCallsInHalfOpenState) {

  /** A field the model's config leaves to the server's default. */
  public static final int UNSET = -1;

  /** Every field unset: the server's defaults apply. */
  public static final Protection INHERIT =
      new Protection(UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET);

  private static final Set<String> KEYS =
      Set.of("max_concurrent_requests", "max_inflight_bytes", "rate_limit", "circuit_breaker");
  private static final Set<String> RATE_KEYS = Set.of("requests_per_second", "burst");
  private static final Set<String> BREAKER_KEYS =
      Set.of(
          "failure_rate_threshold",
          "minimum_calls",
          "sliding_window_size",
          "wait_in_open_state_ms",
          "permitted_calls_in_half_open_state");

  public Protection {
    if (failureRateThreshold > 100) {
      throw new ModelConfigException(
          "protection.circuit_breaker.failure_rate_threshold is a percentage: 1..100, or 0 to turn"
              + " the breaker off; got "
              + failureRateThreshold);
    }
    long[] values = {
      maxConcurrentRequests,
      maxInflightBytes,
      rateLimitPerSecond,
      rateLimitBurst,
      failureRateThreshold,
      minimumCalls,
      slidingWindowSize,
      waitInOpenStateMillis,
      permittedCallsInHalfOpenState
    };
    for (long value : values) {
      if (value < UNSET) {
        throw new ModelConfigException("protection values must be 0 or more, got " + value);
      }
    }
  }

  /** Whether every field is set, as the server's defaults must be. */
  public boolean isComplete() {
    return equals(orDefaults(new Protection(0, 0, 0, 0, 0, 0, 0, 0, 0)));
  }

  /** This section with each unset field taken from {@code defaults}. */
  public Protection orDefaults(Protection defaults) {
    return new Protection(
        pick(maxConcurrentRequests, defaults.maxConcurrentRequests),
        pick(maxInflightBytes, defaults.maxInflightBytes),
        pick(rateLimitPerSecond, defaults.rateLimitPerSecond),
        pick(rateLimitBurst, defaults.rateLimitBurst),
        pick(failureRateThreshold, defaults.failureRateThreshold),
        pick(minimumCalls, defaults.minimumCalls),
        pick(slidingWindowSize, defaults.slidingWindowSize),
        pick(waitInOpenStateMillis, defaults.waitInOpenStateMillis),
        pick(permittedCallsInHalfOpenState, defaults.permittedCallsInHalfOpenState));
  }

  private static int pick(int own, int fallback) {
    return own == UNSET ? fallback : own;
  }

  private static long pick(long own, long fallback) {
    return own == UNSET ? fallback : own;
  }

  /** The burst of the rate limit: the rate itself when unset or 0. */
  public int effectiveBurst() {
    return rateLimitBurst > 0 ? rateLimitBurst : rateLimitPerSecond;
  }

  /** Parses a {@code protection:} section; absent fields stay {@link #UNSET}. */
  static Protection parse(JsonNode node) {
    String where = "protection";
    if (!node.isObject()) {
      throw new ModelConfigException(where + " must be a mapping");
    }
    ConfigNodes.checkKeys(node, KEYS, where);
    JsonNode rate = section(node, "rate_limit", RATE_KEYS);
    JsonNode breaker = section(node, "circuit_breaker", BREAKER_KEYS);
    return new Protection(
        ConfigNodes.optionalInt(node, "max_concurrent_requests", where, UNSET),
        node.has("max_inflight_bytes")
            ? ConfigNodes.longValue(node.get("max_inflight_bytes"), where + ".max_inflight_bytes")
            : UNSET,
        ConfigNodes.optionalInt(rate, "requests_per_second", where + ".rate_limit", UNSET),
        ConfigNodes.optionalInt(rate, "burst", where + ".rate_limit", UNSET),
        ConfigNodes.optionalInt(
            breaker, "failure_rate_threshold", where + ".circuit_breaker", UNSET),
        ConfigNodes.optionalInt(breaker, "minimum_calls", where + ".circuit_breaker", UNSET),
        ConfigNodes.optionalInt(breaker, "sliding_window_size", where + ".circuit_breaker", UNSET),
        breaker.has("wait_in_open_state_ms")
            ? ConfigNodes.longValue(
                breaker.get("wait_in_open_state_ms"),
                where + ".circuit_breaker.wait_in_open_state_ms")
            : UNSET,
        ConfigNodes.optionalInt(
            breaker, "permitted_calls_in_half_open_state", where + ".circuit_breaker", UNSET));
  }

  private static JsonNode section(JsonNode parent, String key, Set<String> keys) {
    JsonNode node = parent.get(key);
    if (node == null) {
      return tools.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    }
    String where = "protection." + key;
    if (!node.isObject()) {
      throw new ModelConfigException(where + " must be a mapping");
    }
    ConfigNodes.checkKeys(node, keys, where);
    return node;
  }
}
