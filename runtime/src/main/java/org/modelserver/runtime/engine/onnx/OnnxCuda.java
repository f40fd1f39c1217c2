package org.modelserver.runtime.engine.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import java.util.List;
import java.util.Map;
import org.modelserver.runtime.config.ExecutionAccelerator;
import org.modelserver.runtime.engine.LoadSpec;
import org.modelserver.runtime.engine.ModelLoadException;

/**
 * ONNX Runtime's CUDA execution provider for one instance: its device, and the provider options a
 * model's config may set as parameters ({@code gpu_mem_limit}, {@code arena_extend_strategy},
 * {@code cudnn_conv_algo_search}).
 */
final class OnnxCuda {
  /** The provider options a config's {@code parameters} may carry, passed through as they are. */
  static final List<String> OPTIONS =
      List.of("gpu_mem_limit", "arena_extend_strategy", "cudnn_conv_algo_search");

  private OnnxCuda() {}

  static void configure(SessionOptions options, LoadSpec spec) {
    int device = spec.device().index();
    Map<String, String> parameters = spec.config().parameters();
    try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(device)) {
      for (String key : OPTIONS) {
        String value = parameters.get(key);
        if (value != null) {
          cuda.add(key, value);
        }
      }
      // Triton's optimization.execution_accelerators: {name: cuda, parameters: {...}} wins.
      for (ExecutionAccelerator accelerator : spec.config().gpuAccelerators()) {
        for (Map.Entry<String, String> option : accelerator.parameters().entrySet()) {
          cuda.add(option.getKey(), option.getValue());
        }
      }
      options.addCUDA(cuda);
    } catch (OrtException | RuntimeException | LinkageError e) {
      // The CPU build (com.microsoft.onnxruntime:onnxruntime) has no CUDA provider at all.
      throw new ModelLoadException(
          "ONNX Runtime cannot use CUDA device "
              + spec.device()
              + " (its CUDA provider needs CUDA 12 and cuDNN 9 libraries on the host): "
              + e.getMessage(),
          e);
    }
  }
}
