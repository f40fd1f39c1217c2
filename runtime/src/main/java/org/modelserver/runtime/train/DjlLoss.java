package org.modelserver.runtime.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/** A {@link LossFunction} as the {@link Loss} a DJL trainer is configured with. */
final class DjlLoss extends Loss {
  private final LossFunction function;

  DjlLoss(LossFunction function) {
    super(function.configName());
    this.function = function;
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    return function.compute(predictions.singletonOrThrow(), labels.singletonOrThrow());
  }
}
