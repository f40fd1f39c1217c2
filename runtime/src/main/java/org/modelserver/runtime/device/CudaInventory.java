package org.modelserver.runtime.device;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import jcuda.driver.CUdevice;
import jcuda.driver.CUuuid;
import jcuda.driver.JCudaDriver;

/**
 * The GPUs of this host, found through the CUDA driver API (JCuda): count, name, UUID, compute
 * capability and total memory. None of these calls creates a CUDA context, which would cost
 * hundreds of MB of GPU memory per device. Free and used memory, utilization and power come from
 * NVML, which needs no context either.
 *
 * <p>On a host without a GPU nothing native is touched when there is no {@code libcuda.so.1} or no
 * {@code /dev/nvidia*}; past that check, any failure of the first native call (JCuda throws {@code
 * UnsatisfiedLinkError} or {@code CudaException}) becomes "no CUDA device" with the reason.
 */
public final class CudaInventory implements DeviceInventory {
  private static final List<Path> DRIVER_DIRS =
      List.of(
          Path.of("/usr/lib/x86_64-linux-gnu"),
          Path.of("/usr/lib64"),
          Path.of("/usr/lib"),
          Path.of("/usr/local/nvidia/lib64"),
          Path.of("/usr/local/cuda/compat"));

  private final List<Gpu> gpus;
  private final String reason;
  private final Optional<Nvml> nvml;

  private CudaInventory(List<Gpu> gpus, String reason, Optional<Nvml> nvml) {
    this.gpus = List.copyOf(gpus);
    this.reason = reason;
    this.nvml = nvml;
  }

  /** Asks the driver; never throws. */
  public static DeviceInventory discover() {
    Optional<String> missing = missingDriver();
    if (missing.isPresent()) {
      return DeviceInventory.none("no CUDA device: " + missing.get());
    }
    List<Gpu> found = new ArrayList<>();
    try {
      JCudaDriver.setExceptionsEnabled(true);
      JCudaDriver.cuInit(0);
      int[] count = new int[1];
      JCudaDriver.cuDeviceGetCount(count);
      for (int i = 0; i < count[0]; i++) {
        found.add(describe(i));
      }
    } catch (Throwable e) {
      // UnsatisfiedLinkError, CudaException (no device, driver too old): the JVM goes on.
      return DeviceInventory.none("no CUDA device: the CUDA driver failed: " + e);
    }
    if (found.isEmpty()) {
      return DeviceInventory.none("no CUDA device: the CUDA driver reports none");
    }
    return new CudaInventory(found, "", Nvml.open());
  }

  private static Gpu describe(int index) {
    CUdevice device = new CUdevice();
    JCudaDriver.cuDeviceGet(device, index);
    byte[] name = new byte[256];
    JCudaDriver.cuDeviceGetName(name, name.length, device);
    long[] memory = new long[1];
    JCudaDriver.cuDeviceTotalMem(memory, device);
    int[] major = new int[1];
    int[] minor = new int[1];
    JCudaDriver.cuDeviceGetAttribute(major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
    JCudaDriver.cuDeviceGetAttribute(minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
    CUuuid uuid = new CUuuid();
    JCudaDriver.cuDeviceGetUuid(uuid, device);
    return new Gpu(
        index, cString(name), formatUuid(uuid.bytes), major[0] + "." + minor[0], memory[0]);
  }

  /** What keeps the driver from being asked at all, if anything. */
  static Optional<String> missingDriver() {
    boolean library =
        DRIVER_DIRS.stream().anyMatch(dir -> Files.exists(dir.resolve("libcuda.so.1")));
    if (!library) {
      return Optional.of("libcuda.so.1 (the NVIDIA driver) is not installed");
    }
    try (Stream<Path> dev = Files.list(Path.of("/dev"))) {
      if (dev.noneMatch(path -> path.getFileName().toString().matches("nvidia[0-9]+"))) {
        return Optional.of("no /dev/nvidia* device file (no GPU, or not passed to this container)");
      }
    } catch (java.io.IOException e) {
      return Optional.of("/dev cannot be listed: " + e.getMessage());
    }
    return Optional.empty();
  }

  /** {@code GPU-} and the 16 bytes as 8-4-4-4-12 hex digits, as nvidia-smi writes it. */
  static String formatUuid(byte[] bytes) {
    StringBuilder hex = new StringBuilder("GPU-");
    for (int i = 0; i < bytes.length; i++) {
      if (i == 4 || i == 6 || i == 8 || i == 10) {
        hex.append('-');
      }
      hex.append(String.format("%02x", bytes[i] & 0xff));
    }
    return hex.toString();
  }

  private static String cString(byte[] bytes) {
    int end = 0;
    while (end < bytes.length && bytes[end] != 0) {
      end++;
    }
    return new String(bytes, 0, end, StandardCharsets.UTF_8);
  }

  @Override
  public List<Gpu> gpus() {
    return gpus;
  }

  @Override
  public String unavailableReason() {
    return reason;
  }

  @Override
  public Optional<GpuUsage> usage(int index) {
    if (nvml.isEmpty() || index < 0 || index >= gpus.size()) {
      return Optional.empty();
    }
    return nvml.get().usage(gpus.get(index).uuid());
  }
}
