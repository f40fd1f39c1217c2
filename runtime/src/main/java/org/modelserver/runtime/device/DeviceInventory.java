package org.modelserver.runtime.device;

import java.util.List;
import java.util.Optional;

/**
 * The GPUs this process can place model instances on. {@link CudaInventory} asks the CUDA driver
 * and NVML; this interface is the one seam where tests may put fixed numbers instead of the native
 * boundary.
 */
public interface DeviceInventory {
  /** The usable GPUs, by index; empty on a host without one. */
  List<Gpu> gpus();

  /** Why {@link #gpus()} is empty ("no CUDA device: ..."), or an empty string when it is not. */
  String unavailableReason();

  /** The GPU's memory and load now; empty when it cannot be read (no NVML). */
  Optional<GpuUsage> usage(int index);

  /** The inventory of code that places and trains on the CPU only and never asks the driver. */
  static DeviceInventory notDiscovered() {
    return none("no CUDA device: GPU discovery is off");
  }

  /** An inventory with no GPU, for the reason given. */
  static DeviceInventory none(String reason) {
    return new DeviceInventory() {
      @Override
      public List<Gpu> gpus() {
        return List.of();
      }

      @Override
      public String unavailableReason() {
        return reason;
      }

      @Override
      public Optional<GpuUsage> usage(int index) {
        return Optional.empty();
      }
    };
  }
}
