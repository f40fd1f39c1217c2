package org.modelserver.runtime.config;

/**
 * Triton's {@code instance_group} entry: how many execution instances of the model to create and
 * where. Only {@code KIND_CPU} (and {@code KIND_AUTO}, which means the CPU here) is supported.
 */
public record InstanceGroup(int count, String kind) {
  public static final String KIND_CPU = "KIND_CPU";
  public static final String KIND_AUTO = "KIND_AUTO";

  public InstanceGroup {
    if (count < 1) {
      throw new ModelConfigException("instance_group count must be 1 or more, got " + count);
    }
    if (!KIND_CPU.equals(kind) && !KIND_AUTO.equals(kind)) {
      throw new ModelConfigException(
          "instance_group kind '"
              + kind
              + "' is not supported; expected KIND_CPU or KIND_AUTO (GPU kinds come later)");
    }
  }
}
