package org.modelserver.runtime.device;

/**
 * A CUDA device as the driver reports it, without creating a context on it.
 *
 * @param index the CUDA device ordinal ({@code cuda:N})
 * @param uuid {@code GPU-xxxxxxxx-...}, as {@code nvidia-smi} and Triton's metrics label it
 * @param computeCapability {@code major.minor}, for example {@code 9.0}
 */
public record Gpu(
    int index, String name, String uuid, String computeCapability, long totalMemoryBytes) {

  public Device device() {
    return Device.gpu(index);
  }
}
