package org.modelserver.runtime.config;

import java.util.List;

/**
 * The inputs and outputs a model file declares. Unlike a config's dims, these shapes include the
 * batch dimension, if the model has one.
 */
public record ModelSignature(List<TensorSpec> inputs, List<TensorSpec> outputs) {
  public ModelSignature {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }
}
