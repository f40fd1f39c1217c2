package org.modelserver.runtime.train.spec;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The losses a job can train with, each equal to PyTorch's loss of the same name with mean
 * reduction ({@code DjlLoss} computes them). Predictions are the trained output, shape {@code
 * [batch, dims...]}; targets have the same shape, except for {@link #CROSS_ENTROPY}, whose targets
 * arrive one-hot ({@code [batch, classes]}) because a dataset gives them as class indices.
 */
public enum LossFunction {
  /** {@code torch.nn.MSELoss}: mean of (prediction - target)². */
  MSE("mse"),
  /** {@code torch.nn.L1Loss}: mean of |prediction - target|. */
  L1("l1"),
  /**
   * {@code torch.nn.BCELoss} on probabilities: -mean(t·log p + (1 - t)·log(1 - p)), where PyTorch
   * clamps each log at -100 so a saturated probability (exactly 0 or 1) costs 100, not infinity.
   */
  BCE("bce"),
  /**
   * {@code torch.nn.BCEWithLogitsLoss}: BCE of sigmoid(x), computed stably as max(x, 0) - x·t +
   * log(1 + exp(-|x|)).
   */
  BCE_WITH_LOGITS("bce_with_logits"),
  /** {@code torch.nn.CrossEntropyLoss} on logits: -mean of the target class's log-softmax. */
  CROSS_ENTROPY("cross_entropy");

  private final String configName;

  LossFunction(String configName) {
    this.configName = configName;
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
