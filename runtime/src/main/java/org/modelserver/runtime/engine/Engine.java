package org.modelserver.runtime.engine;

import java.util.Optional;

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

  /** Frees process-wide native resources. Sessions must be closed first. */
  @Override
  default void close() {}
}
