package org.modelserver.runtime.testsupport;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.modelserver.runtime.device.DeviceInventory;
import org.modelserver.runtime.device.Gpu;
import org.modelserver.runtime.device.GpuUsage;

/**
 * A device inventory with fixed numbers: the one test double of the native boundary (CUDA driver
 * and NVML), for placement arithmetic on hosts without a GPU.
 */
public final class FixedInventory implements DeviceInventory {
  public static final long GIB = 1L << 30;
  public static final long MIB = 1L << 20;

  private final List<Gpu> gpus;
  private final Map<Integer, Long> free;

  /**
   * GPUs of {@code totalBytes} each, with the given free memory by index (NVML unknown if absent).
   */
  public FixedInventory(int count, long totalBytes, Map<Integer, Long> free) {
    this.gpus =
        java.util.stream.IntStream.range(0, count)
            .mapToObj(
                i ->
                    new Gpu(
                        i,
                        "Test GPU " + i,
                        "GPU-00000000-0000-0000-0000-00000000000" + i,
                        "9.0",
                        totalBytes))
            .toList();
    this.free = Map.copyOf(free);
  }

  @Override
  public List<Gpu> gpus() {
    return gpus;
  }

  @Override
  public String unavailableReason() {
    return gpus.isEmpty() ? "no CUDA device: none in this test" : "";
  }

  @Override
  public Optional<GpuUsage> usage(int index) {
    Long bytes = free.get(index);
    if (bytes == null) {
      return Optional.empty();
    }
    long total = gpus.get(index).totalMemoryBytes();
    return Optional.of(
        new GpuUsage(
            total, total - bytes, bytes, OptionalDouble.of(0.25), OptionalDouble.of(120.5)));
  }
}
