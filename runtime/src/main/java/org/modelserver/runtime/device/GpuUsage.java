package org.modelserver.runtime.device;

import java.util.OptionalDouble;

/**
 * A GPU's memory and load now, from NVML.
 *
 * @param utilization the fraction of the last sample period a kernel ran, 0 to 1, when known
 * @param powerWatts the board's power draw, when known
 */
public record GpuUsage(
    long totalBytes,
    long usedBytes,
    long freeBytes,
    OptionalDouble utilization,
    OptionalDouble powerWatts) {}
