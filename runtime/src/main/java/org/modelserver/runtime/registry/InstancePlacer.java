package org.modelserver.runtime.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.modelserver.runtime.config.InstanceGroup;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.ModelConfigException;
import org.modelserver.runtime.device.Device;
import org.modelserver.runtime.device.DeviceInventory;
import org.modelserver.runtime.device.Gpu;
import org.modelserver.runtime.device.GpuUsage;
import org.modelserver.runtime.engine.ModelLoadException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides where each instance of a model version runs, with Triton's {@code instance_group}
 * semantics: {@code KIND_CPU} on the CPU; {@code KIND_GPU} {@code count} instances on each listed
 * GPU (every GPU without a list); {@code KIND_AUTO} on the GPUs when the engine can use them here,
 * else the CPU. A GPU that is asked for but not usable falls back to the CPU or fails, as the
 * {@link Fallback} says; a model that does not fit in a GPU's free memory (minus a reserve) is
 * refused with the numbers, before anything is loaded.
 */
public final class InstancePlacer {
  private static final Logger log = LoggerFactory.getLogger(InstancePlacer.class);

  /** The config parameter that states a model instance's GPU memory need, in bytes. */
  public static final String MEMORY_HINT = "gpu_memory_bytes";

  /** Without a hint, an instance is assumed to need this many times its model file's size. */
  static final int ESTIMATE_FACTOR = 2;

  /** What to do when a GPU is asked for and none is usable (Triton fails). */
  public enum Fallback {
    CPU,
    FAIL;

    public static Fallback parse(String text) {
      String value = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
      for (Fallback fallback : values()) {
        if (fallback.name().equals(value)) {
          return fallback;
        }
      }
      throw new IllegalArgumentException("gpu-fallback must be cpu or fail, got '" + text + "'");
    }
  }

  /**
   * Where a version's instances run.
   *
   * @param devices one device per instance
   * @param groups the instance groups as placed (what the config view shows)
   * @param note how the placement was decided when that is worth saying (a fallback), else empty
   */
  public record Placement(List<Device> devices, List<InstanceGroup> groups, String note) {
    public Placement {
      devices = List.copyOf(devices);
      groups = List.copyOf(groups);
    }
  }

  private final DeviceInventory inventory;
  private final Fallback fallback;
  private final long reserveBytes;

  public InstancePlacer(DeviceInventory inventory, Fallback fallback, long reserveBytes) {
    if (reserveBytes < 0) {
      throw new IllegalArgumentException("gpu-memory-reserve must be 0 or more");
    }
    this.inventory = inventory;
    this.fallback = fallback;
    this.reserveBytes = reserveBytes;
  }

  /** Every instance on the CPU, as a server without GPU support places them. */
  public static InstancePlacer cpuOnly() {
    return new InstancePlacer(DeviceInventory.notDiscovered(), Fallback.FAIL, 0);
  }

  public DeviceInventory inventory() {
    return inventory;
  }

  /**
   * @param cudaUnavailable why the model's engine cannot use CUDA in this build (asked only when a
   *     GPU is wanted: it may start the engine)
   * @param modelFileBytes the model file's size, for the memory estimate when there is no hint
   * @throws ModelLoadException when a GPU is asked for and {@code fail} is the fallback, or when
   *     the model does not fit in a GPU's free memory
   */
  public Placement place(
      String describe,
      ModelConfig config,
      Supplier<Optional<String>> cudaUnavailable,
      long modelFileBytes) {
    List<InstanceGroup> groups = config.instanceGroups();
    if (groups.isEmpty()) {
      return new Placement(List.of(Device.CPU), List.of(), "");
    }
    List<Device> devices = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    boolean rewritten = false;
    for (int i = 0; i < groups.size(); i++) {
      InstanceGroup group = groups.get(i);
      if (group.kind().equals(InstanceGroup.KIND_CPU)) {
        addCopies(devices, Device.CPU, group.count());
        continue;
      }
      rewritten = true;
      Optional<String> problem = gpuProblem(group, cudaUnavailable);
      if (problem.isEmpty()) {
        for (int gpu : listed(group)) {
          addCopies(devices, Device.gpu(gpu), group.count());
        }
      } else if (group.kind().equals(InstanceGroup.KIND_AUTO)) {
        addCopies(devices, Device.CPU, group.count());
      } else if (fallback == Fallback.CPU) {
        int count = group.count() * Math.max(1, group.gpus().size());
        addCopies(devices, Device.CPU, count);
        String note =
            "instance_group["
                + i
                + "] KIND_GPU runs on the CPU (--gpu-fallback=cpu): "
                + problem.get();
        log.warn("{}: {}", describe, note);
        notes.add(note);
      } else {
        throw new ModelLoadException(
            "instance_group["
                + i
                + "] asks for KIND_GPU, which cannot be placed: "
                + problem.get()
                + " (start with --gpu-fallback=cpu to load it on the CPU instead)");
      }
    }
    checkMemory(describe, config, devices, modelFileBytes);
    return new Placement(devices, rewritten ? asPlaced(devices) : groups, String.join("; ", notes));
  }

  /** Why this group's GPUs cannot be used, if they cannot. */
  private Optional<String> gpuProblem(
      InstanceGroup group, Supplier<Optional<String>> cudaUnavailable) {
    List<Gpu> gpus = inventory.gpus();
    if (gpus.isEmpty()) {
      return Optional.of(inventory.unavailableReason());
    }
    for (int gpu : group.gpus()) {
      if (gpu >= gpus.size()) {
        throw new ModelConfigException(
            "instance_group gpus lists GPU "
                + gpu
                + ", but this host has GPUs 0.."
                + (gpus.size() - 1));
      }
    }
    return cudaUnavailable.get();
  }

  private List<Integer> listed(InstanceGroup group) {
    if (!group.gpus().isEmpty()) {
      return group.gpus();
    }
    return inventory.gpus().stream().map(Gpu::index).toList();
  }

  /** Refuses the placement when a GPU's free memory minus the reserve cannot hold its instances. */
  private void checkMemory(
      String describe, ModelConfig config, List<Device> devices, long modelFileBytes) {
    Map<Integer, Integer> perGpu = instancesPerGpu(devices);
    if (perGpu.isEmpty()) {
      return;
    }
    long need = need(describe, config, modelFileBytes);
    for (Map.Entry<Integer, Integer> entry : perGpu.entrySet()) {
      Gpu gpu = inventory.gpus().get(entry.getKey());
      Optional<GpuUsage> usage = inventory.usage(gpu.index());
      long free = usage.map(GpuUsage::freeBytes).orElse(gpu.totalMemoryBytes());
      if (usage.isEmpty()) {
        log.warn(
            "{}: free memory of {} unknown (no NVML); admitting against its total memory",
            describe,
            gpu.device());
      }
      long required = need * entry.getValue();
      long available = free - reserveBytes;
      if (required > available) {
        throw new ModelLoadException(
            String.format(
                Locale.ROOT,
                "does not fit on %s (%s): %d instance(s) need %s, %s is free and %s is reserved"
                    + " (--gpu-memory-reserve)",
                gpu.device(),
                gpu.name(),
                entry.getValue(),
                mib(required),
                mib(free),
                mib(reserveBytes)));
      }
    }
  }

  private static long need(String describe, ModelConfig config, long modelFileBytes) {
    String hint = config.parameters().get(MEMORY_HINT);
    if (hint != null) {
      try {
        long bytes = Long.parseLong(hint.trim());
        if (bytes >= 0) {
          return bytes;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new ModelConfigException(
          "parameters." + MEMORY_HINT + " must be a number of bytes, got '" + hint + "'");
    }
    long estimate = modelFileBytes * ESTIMATE_FACTOR;
    log.info(
        "{}: no parameters.{}; estimating {} per GPU instance ({}x the model file)",
        describe,
        MEMORY_HINT,
        mib(estimate),
        ESTIMATE_FACTOR);
    return estimate;
  }

  /** The instance groups that say where the instances really run. */
  private static List<InstanceGroup> asPlaced(List<Device> devices) {
    int cpu = (int) devices.stream().filter(device -> device.kind() == Device.Kind.CPU).count();
    Map<Integer, Integer> perGpu = instancesPerGpu(devices);
    List<InstanceGroup> groups = new ArrayList<>();
    if (cpu > 0) {
      groups.add(new InstanceGroup(cpu, InstanceGroup.KIND_CPU));
    }
    Map<Integer, List<Integer>> gpusByCount = new LinkedHashMap<>();
    perGpu.forEach(
        (gpu, count) -> gpusByCount.computeIfAbsent(count, c -> new ArrayList<>()).add(gpu));
    gpusByCount.forEach(
        (count, gpus) -> groups.add(new InstanceGroup(count, InstanceGroup.KIND_GPU, gpus)));
    return groups;
  }

  /** How many instances each GPU gets, by index. */
  private static Map<Integer, Integer> instancesPerGpu(List<Device> devices) {
    Map<Integer, Integer> perGpu = new TreeMap<>();
    for (Device device : devices) {
      if (device.kind() == Device.Kind.GPU) {
        perGpu.merge(device.index(), 1, Integer::sum);
      }
    }
    return perGpu;
  }

  private static void addCopies(List<Device> devices, Device device, int count) {
    for (int i = 0; i < count; i++) {
      devices.add(device);
    }
  }

  static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
  }
}
