package org.modelserver.runtime.train.job;

import java.util.Optional;
import java.util.function.Supplier;
import org.modelserver.runtime.device.DeviceInventory;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.train.spec.TrainingSpec;

/**
 * Turns the device a job asks for ({@code auto}, {@code cpu}, {@code cuda:N}) into the one it
 * trains on.
 */
@FunctionalInterface
public interface TrainingDevices {
  /**
   * @return {@code cpu} or {@code cuda:N}
   * @throws ServingException INVALID_ARGUMENT when the device asked for cannot be used, with why
   */
  String choose(String requested);

  /**
   * @param torchCuda why libtorch cannot use CUDA in this build, or empty when it can (asked only
   *     when a GPU is wanted)
   */
  static TrainingDevices of(DeviceInventory inventory, Supplier<Optional<String>> torchCuda) {
    return requested -> {
      if (requested.equals(TrainingSpec.DEVICE_CPU)) {
        return TrainingSpec.DEVICE_CPU;
      }
      boolean auto = requested.equals(TrainingSpec.DEVICE_AUTO);
      if (inventory.gpus().isEmpty()) {
        if (auto) {
          return TrainingSpec.DEVICE_CPU;
        }
        throw ServingException.invalidArgument(
            "'device' is '" + requested + "', but " + inventory.unavailableReason());
      }
      int index = auto ? 0 : Integer.parseInt(requested.substring("cuda:".length()));
      if (index >= inventory.gpus().size()) {
        throw ServingException.invalidArgument(
            "'device' is '"
                + requested
                + "', but this host has GPUs cuda:0..cuda:"
                + (inventory.gpus().size() - 1));
      }
      Optional<String> unusable = torchCuda.get();
      if (unusable.isPresent()) {
        if (auto) {
          return TrainingSpec.DEVICE_CPU;
        }
        throw ServingException.invalidArgument(
            "'device' is '" + requested + "', but " + unusable.get());
      }
      return "cuda:" + index;
    };
  }

  /** Training on the CPU only: {@code auto} is the CPU, {@code cuda:N} is refused. */
  static TrainingDevices cpuOnly() {
    return of(DeviceInventory.notDiscovered(), Optional::empty);
  }
}
