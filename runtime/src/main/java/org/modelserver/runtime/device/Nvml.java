package org.modelserver.runtime.device;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A small binding to NVML ({@code libnvidia-ml.so.1}, installed with the NVIDIA driver): memory,
 * utilization and power of a device, read without a CUDA context. Devices are found by UUID, the
 * one identity CUDA and NVML share (their orders can differ).
 */
final class Nvml {
  private static final int SUCCESS = 0;

  /** The NVML functions used here, as the library exports them. */
  public interface NvmlLibrary extends Library {
    int nvmlInit_v2();

    int nvmlDeviceGetHandleByUUID(String uuid, PointerByReference device);

    int nvmlDeviceGetMemoryInfo(Pointer device, Memory memory);

    int nvmlDeviceGetUtilizationRates(Pointer device, Utilization utilization);

    int nvmlDeviceGetPowerUsage(Pointer device, IntByReference milliwatts);
  }

  /** {@code nvmlMemory_t}. */
  public static final class Memory extends Structure {
    public long total;
    public long free;
    public long used;

    @Override
    protected List<String> getFieldOrder() {
      return List.of("total", "free", "used");
    }
  }

  /** {@code nvmlUtilization_t}: percentages. */
  public static final class Utilization extends Structure {
    public int gpu;
    public int memory;

    @Override
    protected List<String> getFieldOrder() {
      return List.of("gpu", "memory");
    }
  }

  private final NvmlLibrary library;

  private Nvml(NvmlLibrary library) {
    this.library = library;
  }

  /** NVML, initialized; empty (with no exception) when the library is absent or fails to start. */
  static Optional<Nvml> open() {
    try {
      NvmlLibrary library = Native.load("nvidia-ml", NvmlLibrary.class);
      if (library.nvmlInit_v2() != SUCCESS) {
        return Optional.empty();
      }
      return Optional.of(new Nvml(library));
    } catch (Throwable e) {
      // UnsatisfiedLinkError without a driver; nothing to report beyond "no NVML".
      return Optional.empty();
    }
  }

  /** The device's memory and load now; empty when NVML does not know the UUID. */
  Optional<GpuUsage> usage(String uuid) {
    PointerByReference handle = new PointerByReference();
    if (library.nvmlDeviceGetHandleByUUID(uuid, handle) != SUCCESS) {
      return Optional.empty();
    }
    Memory memory = new Memory();
    if (library.nvmlDeviceGetMemoryInfo(handle.getValue(), memory) != SUCCESS) {
      return Optional.empty();
    }
    Utilization rates = new Utilization();
    OptionalDouble utilization =
        library.nvmlDeviceGetUtilizationRates(handle.getValue(), rates) == SUCCESS
            ? OptionalDouble.of(rates.gpu / 100.0)
            : OptionalDouble.empty();
    IntByReference milliwatts = new IntByReference();
    OptionalDouble power =
        library.nvmlDeviceGetPowerUsage(handle.getValue(), milliwatts) == SUCCESS
            ? OptionalDouble.of(milliwatts.getValue() / 1000.0)
            : OptionalDouble.empty();
    return Optional.of(new GpuUsage(memory.total, memory.used, memory.free, utilization, power));
  }
}
