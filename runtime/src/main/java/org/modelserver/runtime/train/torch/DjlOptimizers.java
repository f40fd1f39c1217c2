package org.modelserver.runtime.train.torch;

import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import org.modelserver.runtime.train.spec.OptimizerSpec;

/** An {@link OptimizerSpec} as the DJL optimizer a trainer is configured with. */
final class DjlOptimizers {
  private DjlOptimizers() {}

  /** DJL's optimizer for {@code spec}, with a fixed learning rate. */
  static Optimizer of(OptimizerSpec spec) {
    Tracker rate = Tracker.fixed((float) spec.learningRate());
    float decay = (float) spec.weightDecay();
    return switch (spec.type()) {
      case SGD ->
          Optimizer.sgd()
              .setLearningRateTracker(rate)
              .optMomentum((float) spec.momentum())
              .optWeightDecays(decay)
              .build();
      case ADAM -> Optimizer.adam().optLearningRateTracker(rate).optWeightDecays(decay).build();
      case ADAMW -> Optimizer.adamW().optLearningRateTracker(rate).optWeightDecays(decay).build();
    };
  }
}
