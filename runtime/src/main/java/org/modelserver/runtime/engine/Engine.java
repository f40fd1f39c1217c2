package org.modelserver.runtime.engine;

import java.util.Optional;
import org.modelserver.runtime.device.Device;

/**
 * An execution runtime for one model platform (ONNX Runtime, libtorch). It turns a model version's
 * files into an {@link EngineSession}. Implementations keep their native types to themselves.
 */
public interface Engine extends AutoCloseable {

  /** The Triton platform name this engine serves, for example {@code onnxruntime_onnx}. */
  String platform();

  /**
   * Loads a model version. Failures throw {@link ModelLoadException} with a readable reason; a
   * failed load leaves nothing native behind.
   */
  EngineSession load(LoadSpec spec);

  /**
   * Why this engine cannot run a model on a CUDA device in this build, or empty when it can.
   * Placement asks before it puts an instance on a GPU.
   */
  default Optional<String> cudaUnavailableReason() {
    return Optional.of("the " + platform() + " engine runs on the CPU only");
  }

  /**
   * Refuses to load {@code spec} on a GPU when this engine cannot use CUDA here.
   *
   * @throws ModelLoadException naming the device and why
   */
  default void checkDevice(LoadSpec spec) {
    if (spec.device().kind() != Device.Kind.GPU) {
      return;
    }
    Optional<String> reason = cudaUnavailableReason();
    if (reason.isPresent()) {
      throw new ModelLoadException(
          "this build runs "
              + platform()
              + " models on the CPU only; device "
              + spec.device()
              + " asked ("
              + reason.get()
              + ")");
    }
  }

  /** Frees process-wide native resources. Sessions must be closed first. */
  @Override
  default void close() {}
}
