package org.modelserver.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.runtime.testsupport.FixedInventory.GIB;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.device.DeviceInventory;
import org.modelserver.runtime.testsupport.FixedInventory;

class GpuMetricsTest {
  @Test
  void nothingIsWrittenWithoutGpus() {
    StringBuilder out = new StringBuilder();
    GpuMetrics.write(DeviceInventory.none("no CUDA device: test"), out);
    assertThat(out).isEmpty();
  }

  @Test
  void tritonsGpuFamiliesAreLabelledByUuid() {
    StringBuilder out = new StringBuilder();
    GpuMetrics.write(new FixedInventory(2, 80 * GIB, Map.of(0, 30 * GIB)), out);
    String text = out.toString();
    assertThat(text)
        .contains("# TYPE nv_gpu_utilization gauge\n")
        .contains(
            "nv_gpu_utilization{gpu_uuid=\"GPU-00000000-0000-0000-0000-000000000000\"} 0.25\n")
        .contains(
            "nv_gpu_memory_total_bytes{gpu_uuid=\"GPU-00000000-0000-0000-0000-000000000000\"} "
                + 80 * GIB
                + "\n")
        .contains(
            "nv_gpu_memory_used_bytes{gpu_uuid=\"GPU-00000000-0000-0000-0000-000000000000\"} "
                + 50 * GIB
                + "\n")
        .contains(
            "nv_gpu_power_usage{gpu_uuid=\"GPU-00000000-0000-0000-0000-000000000000\"} 120.5\n");
    // GPU 1 has no NVML reading: only its total memory (from the driver) is known.
    assertThat(text)
        .contains(
            "nv_gpu_memory_total_bytes{gpu_uuid=\"GPU-00000000-0000-0000-0000-000000000001\"} "
                + 80 * GIB)
        .doesNotContain(
            "nv_gpu_utilization{gpu_uuid=\"GPU-00000000-0000-0000-0000-000000000001\"}");
  }
}
