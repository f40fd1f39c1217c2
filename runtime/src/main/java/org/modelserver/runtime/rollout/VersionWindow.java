package org.modelserver.runtime.rollout;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What one version of a rollout did over the last {@code window} seconds: its outcomes in a
 * Resilience4j circuit breaker that only records (a time-based sliding window, never opening), and
 * the latencies of its successful requests in a Micrometer timer publishing p50 and p99 over the
 * same window ({@code model_rollout_latency_seconds} in the metrics). Thread-safe; closing removes
 * the timer from the meter registry.
 */
final class VersionWindow implements AutoCloseable {
  private static final double P99 = 0.99;

  private final CircuitBreaker outcomes;
  private final Timer latency;
  private final MeterRegistry meters;

  VersionWindow(
      String model,
      long version,
      String role,
      int windowSeconds,
      MeterRegistry meters,
      Clock clock) {
    this.meters = meters;
    CircuitBreakerConfig config =
        CircuitBreakerConfig.custom()
            .slidingWindow(windowSeconds, 1, CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
            .failureRateThreshold(100)
            .clock(clock)
            .build();
    this.outcomes = CircuitBreaker.of("rollout:" + model + "/" + version, config);
    outcomes.transitionToMetricsOnlyState();
    this.latency =
        Timer.builder("model_rollout_latency")
            .description("Latency of a rollout's successful requests over its window")
            .tags("model", model, "version", Long.toString(version), "role", role)
            .publishPercentiles(0.5, P99)
            .percentilePrecision(2)
            .distributionStatisticExpiry(Duration.ofSeconds(windowSeconds))
            .distributionStatisticBufferLength(3)
            .register(meters);
  }

  /** Records one finished request; {@code failure} is null on success. */
  void record(long nanos, Throwable failure) {
    if (failure == null) {
      outcomes.onSuccess(nanos, TimeUnit.NANOSECONDS);
      latency.record(nanos, TimeUnit.NANOSECONDS);
    } else {
      outcomes.onError(nanos, TimeUnit.NANOSECONDS, failure);
    }
  }

  /** The window's figures now. */
  WindowFigures figures() {
    CircuitBreaker.Metrics metrics = outcomes.getMetrics();
    double p99 = 0;
    for (ValueAtPercentile value : latency.takeSnapshot().percentileValues()) {
      if (Double.compare(value.percentile(), P99) == 0) {
        p99 = value.value(TimeUnit.MILLISECONDS);
      }
    }
    return new WindowFigures(
        metrics.getNumberOfBufferedCalls(), metrics.getNumberOfFailedCalls(), p99);
  }

  @Override
  public void close() {
    meters.remove(latency);
  }
}
