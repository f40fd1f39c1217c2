package org.modelserver.runtime.config;

import java.util.Map;

/**
 * One entry of Triton's {@code optimization.execution_accelerators.gpu_execution_accelerator}: the
 * accelerator a GPU instance of an ONNX model runs with, and its options. This server knows {@code
 * cuda}, ONNX Runtime's CUDA execution provider, whose options ({@code gpu_mem_limit}, {@code
 * arena_extend_strategy}, {@code cudnn_conv_algo_search}, ...) go to the provider as they are.
 */
public record ExecutionAccelerator(String name, Map<String, String> parameters) {
  public static final String CUDA = "cuda";

  public ExecutionAccelerator {
    parameters = Map.copyOf(parameters);
  }
}
