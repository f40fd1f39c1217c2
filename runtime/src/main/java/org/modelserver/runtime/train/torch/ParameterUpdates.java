package org.modelserver.runtime.train.torch;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.optimizer.Optimizer;
import java.util.List;

/**
 * The optimizer step over a block's trained parameters, with fewer calls into libtorch than DJL's
 * {@code Trainer.step()}: that one asks libtorch for a new handle to every gradient, clones it (for
 * multi-device reduction) and deletes both again at every step. libtorch accumulates a defined
 * gradient in place and DJL's optimizers zero it in place, so one handle per parameter, taken after
 * the first backward, stays valid for the whole run; a step is then the optimizer's own update
 * (which zeroes the gradient) and nothing else.
 */
final class ParameterUpdates {
  private final Optimizer optimizer;
  private final String[] ids;
  private final NDArray[] weights;
  private final NDArray[] gradients;

  /** The parameters of {@code block} that require gradients (the ones not frozen). */
  ParameterUpdates(Block block, Optimizer optimizer) {
    this.optimizer = optimizer;
    List<Parameter> trained =
        block.getParameters().values().stream().filter(Parameter::requiresGradient).toList();
    ids = trained.stream().map(Parameter::getId).toArray(String[]::new);
    weights = trained.stream().map(Parameter::getArray).toArray(NDArray[]::new);
    gradients = new NDArray[weights.length];
  }

  /** Applies the gradients of the last backward pass and zeroes them. */
  void step() {
    for (int i = 0; i < weights.length; i++) {
      NDArray gradient = gradients[i];
      if (gradient == null) {
        // Undefined until a backward pass reaches the parameter; DJL then applies zeros.
        gradient = JniUtils.getGradient((PtNDArray) weights[i]);
        if (gradient == null) {
          try (NDArray zeros = weights[i].zerosLike()) {
            optimizer.update(ids[i], weights[i], zeros);
          }
          continue;
        }
        gradients[i] = gradient;
      }
      optimizer.update(ids[i], weights[i], gradient);
    }
  }
}
