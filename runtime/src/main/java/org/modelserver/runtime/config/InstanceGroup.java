package org.modelserver.runtime.config;

import java.util.List;

/**
 * Triton's {@code instance_group} entry: how many execution instances of the model to create and
 * where. {@code KIND_CPU} puts {@code count} instances on the CPU; {@code KIND_GPU} puts {@code
 * count} instances on each GPU of {@code gpus} (every GPU when the list is empty); {@code
 * KIND_AUTO} means the GPUs when the model's engine can use one here, else the CPU.
 *
 * @param gpus the CUDA device ordinals for {@code KIND_GPU}; empty for every GPU
 */
public record InstanceGroup(int count, String kind, List<Integer> gpus) {
  public static final String KIND_CPU = "KIND_CPU";
  public static final String KIND_GPU = "KIND_GPU";
  public static final String KIND_AUTO = "KIND_AUTO";

  public InstanceGroup {
    if (count < 1) {
      throw new ModelConfigException("instance_group count must be 1 or more, got " + count);
    }
    if (!KIND_CPU.equals(kind) && !KIND_GPU.equals(kind) && !KIND_AUTO.equals(kind)) {
      throw new ModelConfigException(
          "instance_group kind '"
              + kind
              + "' is not supported; expected KIND_CPU, KIND_GPU or KIND_AUTO");
    }
    gpus = List.copyOf(gpus);
    for (int gpu : gpus) {
      if (gpu < 0) {
        throw new ModelConfigException("instance_group gpus must be 0 or more, got " + gpu);
      }
    }
    if (!gpus.isEmpty() && KIND_CPU.equals(kind)) {
      throw new ModelConfigException("instance_group gpus " + gpus + " cannot go with KIND_CPU");
    }
  }

  public InstanceGroup(int count, String kind) {
    this(count, kind, List.of());
  }
}
