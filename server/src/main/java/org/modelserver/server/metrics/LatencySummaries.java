package org.modelserver.server.metrics;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.modelserver.runtime.inference.OutcomeListener;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.registry.ModelVersion;

/**
 * Triton's summary latencies ({@code nv_inference_request_summary_us}, what Triton publishes with
 * {@code --metrics-config summary_latencies=true}): per model version, the p50, p90 and p99 of
 * successful requests' end-to-end time in microseconds over a sliding minute, with their count and
 * sum. Warm-up requests are not counted; a version's summary goes when the version does.
 */
public final class LatencySummaries implements OutcomeListener {
  static final String NAME = "nv_inference_request_summary_us";
  private static final Duration WINDOW = Duration.ofMinutes(1);

  private final MeterRegistry meters;
  private final ModelRegistry registry;
  private final Map<ModelVersion, DistributionSummary> summaries = new ConcurrentHashMap<>();

  public LatencySummaries(MeterRegistry meters, ModelRegistry registry) {
    this.meters = meters;
    this.registry = registry;
    registry.onChange(this::forgetRetired);
  }

  @Override
  public void finished(ModelVersion version, long nanos, Throwable failure) {
    if (failure != null || version.statistics().isMuted()) {
      return;
    }
    summaries.computeIfAbsent(version, this::summaryOf).record(nanos / 1_000.0);
  }

  private DistributionSummary summaryOf(ModelVersion version) {
    return DistributionSummary.builder(NAME)
        .description("Latencies of successful requests in microseconds, over the last minute")
        .tags("model", version.modelName(), "version", Long.toString(version.version()))
        .publishPercentiles(0.5, 0.9, 0.99)
        .percentilePrecision(2)
        .distributionStatisticExpiry(WINDOW)
        .distributionStatisticBufferLength(3)
        .register(meters);
  }

  /** Drops the summaries of versions that are no longer loaded (a swap, an unload). */
  private void forgetRetired() {
    for (ModelVersion version : summaries.keySet()) {
      boolean loaded =
          registry
              .find(version.modelName())
              .flatMap(model -> model.version(version.version()))
              .filter(current -> current == version)
              .isPresent();
      if (!loaded) {
        DistributionSummary summary = summaries.remove(version);
        if (summary != null) {
          meters.remove(summary);
        }
      }
    }
  }
}
