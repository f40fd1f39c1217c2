package org.modelserver.runtime.train.spec;

import java.util.Optional;

/**
 * The optimizer of a fine-tuning run: SGD, Adam or AdamW (PyTorch's meanings) with a fixed learning
 * rate.
 *
 * @param momentum SGD's momentum; 0 for Adam and AdamW
 * @param weightDecay L2 penalty for SGD and Adam, decoupled weight decay for AdamW
 */
public record OptimizerSpec(Type type, double learningRate, double momentum, double weightDecay) {
  public static final double DEFAULT_LEARNING_RATE = 0.01;

  /** AdamW's default weight decay, as in PyTorch; SGD and Adam default to none. */
  public static final double DEFAULT_ADAMW_WEIGHT_DECAY = 0.01;

  public enum Type {
    SGD("sgd"),
    ADAM("adam"),
    ADAMW("adamw");

    private final String configName;

    Type(String configName) {
      this.configName = configName;
    }

    public String configName() {
      return configName;
    }

    public static Optional<Type> fromConfigName(String name) {
      for (Type type : values()) {
        if (type.configName.equals(name)) {
          return Optional.of(type);
        }
      }
      return Optional.empty();
    }
  }

  /** Plain SGD at the default learning rate: what a job gets when it names no optimizer. */
  public static OptimizerSpec defaults() {
    return new OptimizerSpec(Type.SGD, DEFAULT_LEARNING_RATE, 0, 0);
  }
}
