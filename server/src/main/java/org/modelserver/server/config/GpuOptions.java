package org.modelserver.server.config;

import org.modelserver.runtime.registry.InstancePlacer;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * GPU placement options, bound like every other option: {@code --gpu-fallback=cpu|fail} (or {@code
 * GPU_FALLBACK}) and {@code --gpu-memory-reserve=SIZE} (or {@code GPU_MEMORY_RESERVE}).
 *
 * @param fallback what a {@code KIND_GPU} instance group does when no GPU is usable: load on the
 *     CPU with a warning, or leave the version UNAVAILABLE with the reason (Triton's behaviour)
 * @param memoryReserve GPU memory a placement leaves free on each GPU
 */
@ConfigurationProperties("modelserver.gpu")
public record GpuOptions(String fallback, DataSize memoryReserve) {
  public GpuOptions {
    if (fallback == null || fallback.isBlank()) {
      fallback = "fail";
    }
    InstancePlacer.Fallback.parse(fallback);
    if (memoryReserve == null) {
      memoryReserve = DataSize.ofMegabytes(512);
    }
    if (memoryReserve.toBytes() < 0) {
      throw new IllegalArgumentException("gpu-memory-reserve must be 0 or more");
    }
  }

  public InstancePlacer.Fallback fallbackPolicy() {
    return InstancePlacer.Fallback.parse(fallback);
  }
}
