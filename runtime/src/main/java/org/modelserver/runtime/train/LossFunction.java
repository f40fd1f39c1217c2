package org.modelserver.runtime.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The losses a job can train with, each equal to PyTorch's loss of the same name with mean
 * reduction. Predictions are the trained output, shape {@code [batch, dims...]}; targets have the
 * same shape, except for {@link #CROSS_ENTROPY}, whose targets arrive one-hot ({@code [batch,
 * classes]}) because a dataset gives them as class indices.
 */
public enum LossFunction {
  /** {@code torch.nn.MSELoss}: mean of (prediction - target)². */
  MSE("mse") {
    @Override
    NDArray compute(NDArray prediction, NDArray target) {
      return prediction.sub(target).square().mean();
    }
  },
  /** {@code torch.nn.L1Loss}: mean of |prediction - target|. */
  L1("l1") {
    @Override
    NDArray compute(NDArray prediction, NDArray target) {
      return prediction.sub(target).abs().mean();
    }
  },
  /**
   * {@code torch.nn.BCELoss} on probabilities: -mean(t·log p + (1 - t)·log(1 - p)), where PyTorch
   * clamps each log at -100 so a saturated probability (exactly 0 or 1) costs 100, not infinity.
   */
  BCE("bce") {
    @Override
    NDArray compute(NDArray prediction, NDArray target) {
      NDArray one = prediction.onesLike();
      NDArray positive = target.mul(clampedLog(prediction));
      NDArray negative = one.sub(target).mul(clampedLog(one.sub(prediction)));
      return positive.add(negative).mean().neg();
    }
  },
  /**
   * {@code torch.nn.BCEWithLogitsLoss}: BCE of sigmoid(x), computed stably as max(x, 0) - x·t +
   * log(1 + exp(-|x|)).
   */
  BCE_WITH_LOGITS("bce_with_logits") {
    @Override
    NDArray compute(NDArray prediction, NDArray target) {
      NDArray softplus = prediction.abs().neg().exp().add(1).log();
      return prediction.maximum(0).sub(prediction.mul(target)).add(softplus).mean();
    }
  },
  /** {@code torch.nn.CrossEntropyLoss} on logits: -mean of the target class's log-softmax. */
  CROSS_ENTROPY("cross_entropy") {
    @Override
    NDArray compute(NDArray prediction, NDArray target) {
      return prediction.logSoftmax(1).mul(target).sum(new int[] {1}).mean().neg();
    }
  };

  /** The smallest normal float: its log (-87.3) and the log's gradient (1/x) stay finite. */
  private static final float SMALLEST_NORMAL = Float.MIN_NORMAL;

  private final String configName;

  LossFunction(String configName) {
    this.configName = configName;
  }

  /** The mean loss of a batch, a scalar that gradients can flow back through. */
  abstract NDArray compute(NDArray prediction, NDArray target);

  /**
   * log(x) clamped at -100 as PyTorch's BCELoss does, without a NaN gradient at x = 0: there the
   * constant -100 is selected, and the log branch sees x raised to the smallest normal float.
   * Subnormal x (below 1.2e-38) gets log(1.2e-38) instead of log(x), the only difference.
   */
  private static NDArray clampedLog(NDArray x) {
    NDArray safeLog = x.maximum(SMALLEST_NORMAL).log();
    NDArray floor = x.zerosLike().sub(100);
    return NDArrays.where(x.gt(0), safeLog, floor);
  }

  /** The name used in a job's settings, for example {@code cross_entropy}. */
  public String configName() {
    return configName;
  }

  public static Optional<LossFunction> fromConfigName(String name) {
    for (LossFunction loss : values()) {
      if (loss.configName.equals(name)) {
        return Optional.of(loss);
      }
    }
    return Optional.empty();
  }

  public static String configNames() {
    return Arrays.stream(values()).map(LossFunction::configName).collect(Collectors.joining(", "));
  }
}
