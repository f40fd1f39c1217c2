package org.modelserver.bench;

import java.util.Optional;
import org.modelserver.runtime.device.CudaInventory;
import org.modelserver.runtime.device.DeviceInventory;
import org.modelserver.runtime.device.Gpu;
import org.modelserver.runtime.device.GpuUsage;

/**
 * Prints what the server's device inventory finds on this host: each GPU from the CUDA driver
 * (through JCuda) and its memory and load from NVML, or why there is none. Run by {@code
 * src/gpu/device-check.sh} on a GPU machine; prints {@code NO_GPU reason} elsewhere.
 */
public final class DeviceReport {
  private DeviceReport() {}

  public static void main(String[] args) {
    long start = System.nanoTime();
    DeviceInventory inventory = CudaInventory.discover();
    double ms = (System.nanoTime() - start) / 1e6;
    if (inventory.gpus().isEmpty()) {
      System.out.printf("NO_GPU discovery_ms=%.1f reason=%s%n", ms, inventory.unavailableReason());
      return;
    }
    System.out.printf("GPUS count=%d discovery_ms=%.1f%n", inventory.gpus().size(), ms);
    for (Gpu gpu : inventory.gpus()) {
      Optional<GpuUsage> usage = inventory.usage(gpu.index());
      System.out.printf(
          "GPU index=%d name=\"%s\" uuid=%s cc=%s total_mib=%d",
          gpu.index(),
          gpu.name(),
          gpu.uuid(),
          gpu.computeCapability(),
          gpu.totalMemoryBytes() >> 20);
      if (usage.isPresent()) {
        GpuUsage u = usage.get();
        System.out.printf(
            " nvml_total_mib=%d used_mib=%d free_mib=%d utilization=%s power_w=%s%n",
            u.totalBytes() >> 20,
            u.usedBytes() >> 20,
            u.freeBytes() >> 20,
            u.utilization().isPresent() ? Double.toString(u.utilization().getAsDouble()) : "-",
            u.powerWatts().isPresent() ? Double.toString(u.powerWatts().getAsDouble()) : "-");
      } else {
        System.out.println(" nvml=unavailable");
      }
    }
  }
}
