package org.modelserver.server.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.modelserver.runtime.device.DeviceInventory;
import org.modelserver.runtime.inference.Shadowing;
import org.modelserver.runtime.registry.ModelRegistry;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Prometheus metrics at {@code /metrics} (text format 0.0.4): Triton's per-model inference metrics,
 * shadow traffic's agreement, Triton's GPU metrics when the host has GPUs, then the JVM and process
 * metrics of Micrometer.
 */
@RestController
class MetricsController {
  static final MediaType TEXT_004 =
      MediaType.parseMediaType("text/plain; version=0.0.4; charset=utf-8");

  private final ModelRegistry models;
  private final PrometheusMeterRegistry prometheus;
  private final DeviceInventory devices;
  private final Shadowing shadowing;

  MetricsController(
      ModelRegistry models,
      PrometheusMeterRegistry prometheus,
      DeviceInventory devices,
      Shadowing shadowing) {
    this.models = models;
    this.prometheus = prometheus;
    this.devices = devices;
    this.shadowing = shadowing;
  }

  @GetMapping("/metrics")
  ResponseEntity<String> metrics() {
    StringBuilder out = new StringBuilder(16 * 1024);
    TritonMetrics.write(TritonMetrics.readyVersions(models.models()), out);
    ShadowMetrics.write(shadowing.stats().reports(), out);
    GpuMetrics.write(devices, out);
    out.append(prometheus.scrape());
    return ResponseEntity.ok().contentType(TEXT_004).body(out.toString());
  }
}
