package org.modelserver.server.config;

import java.time.Duration;
import org.modelserver.runtime.config.Protection;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Overload and limits: the server-wide byte budget, the default queue size, how long REST waits for
 * a body and a result, and the protection every model gets unless its {@code config.yaml} says
 * otherwise ({@code protection:}). Bound from {@code modelserver.limits.*}; each has a short
 * command-line name in {@code application.yaml}.
 *
 * @param maxInflightBytes bytes all requests together may hold (bodies and decoded tensors); 0 or
 *     unset: half of the heap the JVM may use (direct memory defaults to the same size)
 * @param defaultMaxQueueSize the {@code max_queue_size} of a queue whose config sets none; 0:
 *     unbounded
 * @param restBodyTimeout the longest a REST client may take to send its body
 * @param restResultTimeout the longest a REST request waits for its result before 503
 * @param model the protection of a model whose config does not set its own
 */
@ConfigurationProperties("modelserver.limits")
public record LimitOptions(
    DataSize maxInflightBytes,
    Integer defaultMaxQueueSize,
    Duration restBodyTimeout,
    Duration restResultTimeout,
    ModelLimits model) {

  public LimitOptions {
    if (maxInflightBytes == null || maxInflightBytes.toBytes() == 0) {
      maxInflightBytes = DataSize.ofBytes(Runtime.getRuntime().maxMemory() / 2);
    }
    if (maxInflightBytes.toBytes() < 0) {
      throw new IllegalArgumentException("max-inflight-bytes must be 0 (automatic) or more");
    }
    if (defaultMaxQueueSize == null) {
      defaultMaxQueueSize = 256;
    }
    if (defaultMaxQueueSize < 0) {
      throw new IllegalArgumentException("default-max-queue-size must be 0 (unbounded) or more");
    }
    restBodyTimeout = positive(restBodyTimeout, Duration.ofSeconds(30), "rest-body-timeout");
    restResultTimeout = positive(restResultTimeout, Duration.ofSeconds(60), "rest-result-timeout");
    if (model == null) {
      model = new ModelLimits(null, null, null, null, null, null, null, null, null);
    }
  }

  private static Duration positive(Duration value, Duration fallback, String option) {
    if (value == null) {
      return fallback;
    }
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(option + " must be more than 0");
    }
    return value;
  }

  /**
   * The default protection of every model; see {@link Protection} for each field's meaning. 0 turns
   * a feature off.
   */
  public record ModelLimits(
      Integer maxConcurrentRequests,
      DataSize maxInflightBytes,
      Integer rateLimitPerSecond,
      Integer rateLimitBurst,
      Integer failureRateThreshold,
      Integer minimumCalls,
      Integer slidingWindowSize,
      Duration waitInOpenState,
      Integer permittedCallsInHalfOpenState) {

    /** As the runtime takes it, every field set. */
    public Protection protection() {
      try {
        return new Protection(
            or(maxConcurrentRequests, 150),
            maxInflightBytes == null ? 0 : maxInflightBytes.toBytes(),
            or(rateLimitPerSecond, 0),
            or(rateLimitBurst, 0),
            or(failureRateThreshold, 50),
            or(minimumCalls, 20),
            or(slidingWindowSize, 100),
            waitInOpenState == null ? 10_000 : waitInOpenState.toMillis(),
            or(permittedCallsInHalfOpenState, 5));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("modelserver.limits.model: " + e.getMessage(), e);
      }
    }

    private static int or(Integer value, int fallback) {
      return value == null ? fallback : value;
    }
  }
}
