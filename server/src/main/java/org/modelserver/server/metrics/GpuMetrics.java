package org.modelserver.server.metrics;

import java.util.Locale;
import java.util.Optional;
import org.modelserver.runtime.device.DeviceInventory;
import org.modelserver.runtime.device.Gpu;
import org.modelserver.runtime.device.GpuUsage;

/**
 * Triton's GPU metrics ({@code nv_gpu_*}, labelled by {@code gpu_uuid}), read from NVML on each
 * scrape. Written only when the host has GPUs; a value NVML cannot give is left out.
 */
final class GpuMetrics {
  private GpuMetrics() {}

  static void write(DeviceInventory devices, StringBuilder out) {
    if (devices.gpus().isEmpty()) {
      return;
    }
    family(
        devices,
        out,
        "nv_gpu_utilization",
        "GPU utilization rate [0.0 - 1.0)",
        (gpu, usage) -> usage.flatMap(u -> optional(u.utilization())));
    family(
        devices,
        out,
        "nv_gpu_memory_total_bytes",
        "GPU total memory, in bytes",
        (gpu, usage) ->
            Optional.of((double) usage.map(GpuUsage::totalBytes).orElse(gpu.totalMemoryBytes())));
    family(
        devices,
        out,
        "nv_gpu_memory_used_bytes",
        "GPU used memory, in bytes",
        (gpu, usage) -> usage.map(u -> (double) u.usedBytes()));
    family(
        devices,
        out,
        "nv_gpu_power_usage",
        "GPU power usage in watts",
        (gpu, usage) -> usage.flatMap(u -> optional(u.powerWatts())));
  }

  private interface Reading {
    Optional<Double> of(Gpu gpu, Optional<GpuUsage> usage);
  }

  private static void family(
      DeviceInventory devices, StringBuilder out, String name, String help, Reading reading) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" gauge\n");
    for (Gpu gpu : devices.gpus()) {
      Optional<Double> value = reading.of(gpu, devices.usage(gpu.index()));
      value.ifPresent(
          v ->
              out.append(name)
                  .append("{gpu_uuid=\"")
                  .append(TritonMetrics.escapeLabelValue(gpu.uuid()))
                  .append("\"} ")
                  .append(format(v))
                  .append('\n'));
    }
  }

  private static Optional<Double> optional(java.util.OptionalDouble value) {
    return value.isPresent() ? Optional.of(value.getAsDouble()) : Optional.empty();
  }

  private static String format(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15
        ? Long.toString((long) value)
        : String.format(Locale.ROOT, "%s", value);
  }
}
