package org.modelserver.runtime.train.spec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.Platforms;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Shape;

/**
 * What one training sample holds for a model, a loss and a trained output: a value per input and a
 * target, each with fixed dims. Building it checks that the model can be fine-tuned that way.
 */
public final class SampleLayout {
  /** The most elements one input or target of one sample may have. */
  static final int MAX_ELEMENTS = 1 << 20;

  public static final String TARGET = "target";

  /** One model input: {@code width} elements per sample, FP32 or INT64. */
  public record Input(String name, DataType dataType, long[] dims, int width) {}

  private final List<Input> inputs;
  private final LossFunction loss;
  private final String output;
  private final int outputIndex;
  private final long[] outputDims;
  private final int outputWidth;

  private SampleLayout(
      List<Input> inputs, LossFunction loss, String output, int outputIndex, long[] outputDims) {
    this.inputs = List.copyOf(inputs);
    this.loss = loss;
    this.output = output;
    this.outputIndex = outputIndex;
    this.outputDims = outputDims;
    this.outputWidth = (int) Shape.elementCount(outputDims);
  }

  public static SampleLayout of(ModelConfig config, LossFunction loss, String output) {
    String platform = config.platform().orElse(Platforms.TORCH);
    if (!platform.equals(Platforms.TORCH)) {
      throw ServingException.invalidArgument(
          "model '"
              + config.name()
              + "' is "
              + platform
              + "; only TorchScript ("
              + Platforms.TORCH
              + ") models can be fine-tuned");
    }
    if (!config.batched()) {
      throw ServingException.invalidArgument(
          "model '"
              + config.name()
              + "' does not batch (max_batch_size 0); the trainer feeds mini-batches along a"
              + " leading batch dimension, so it needs max_batch_size > 0");
    }
    if (config.inputs().isEmpty()) {
      throw ServingException.invalidArgument(
          "model '" + config.name() + "' declares no inputs; the trainer needs them in config");
    }
    List<Input> inputs = new ArrayList<>();
    for (TensorSpec spec : config.inputs()) {
      if (spec.dataType() != DataType.FP32 && spec.dataType() != DataType.INT64) {
        throw ServingException.invalidArgument(
            "input '"
                + spec.name()
                + "' is "
                + spec.dataType().configName()
                + "; the trainer supports TYPE_FP32 and TYPE_INT64 inputs");
      }
      inputs.add(new Input(spec.name(), spec.dataType(), spec.dims(), width("input", spec)));
    }
    int index = -1;
    for (int i = 0; i < config.outputs().size(); i++) {
      if (config.outputs().get(i).name().equals(output)) {
        index = i;
      }
    }
    if (index < 0) {
      throw ServingException.invalidArgument(
          "output '" + output + "' is not an output of model '" + config.name() + "'");
    }
    TensorSpec trained = config.outputs().get(index);
    if (trained.dataType() != DataType.FP32) {
      throw ServingException.invalidArgument(
          "output '"
              + output
              + "' is "
              + trained.dataType().configName()
              + "; the trained output must be TYPE_FP32");
    }
    width("output", trained);
    long[] dims = trained.dims();
    if (loss == LossFunction.CROSS_ENTROPY && (dims.length != 1 || dims[0] < 2)) {
      throw ServingException.invalidArgument(
          "loss cross_entropy needs an output of class logits with dims [classes] (2 or more"
              + " classes); output '"
              + output
              + "' has dims "
              + Shape.format(dims));
    }
    return new SampleLayout(inputs, loss, output, index, dims);
  }

  private static int width(String kind, TensorSpec spec) {
    for (long dim : spec.dims()) {
      if (dim < 0) {
        throw ServingException.invalidArgument(
            kind
                + " '"
                + spec.name()
                + "' has dims "
                + Shape.format(spec.dims())
                + "; the trainer supports only fixed dims (no -1)");
      }
    }
    long count = Shape.elementCount(spec.dims());
    if (count < 1 || count > MAX_ELEMENTS) {
      throw ServingException.invalidArgument(
          kind
              + " '"
              + spec.name()
              + "' has "
              + count
              + " elements per sample; the trainer supports 1 to "
              + MAX_ELEMENTS);
    }
    return (int) count;
  }

  /** Whether samples laid out by {@code other} fit this layout's model, loss and output. */
  public boolean sameAs(SampleLayout other) {
    if (loss != other.loss
        || !output.equals(other.output)
        || outputIndex != other.outputIndex
        || !Arrays.equals(outputDims, other.outputDims)
        || inputs.size() != other.inputs.size()) {
      return false;
    }
    for (int i = 0; i < inputs.size(); i++) {
      Input mine = inputs.get(i);
      Input theirs = other.inputs.get(i);
      if (!mine.name().equals(theirs.name())
          || mine.dataType() != theirs.dataType()
          || !Arrays.equals(mine.dims(), theirs.dims())) {
        return false;
      }
    }
    return true;
  }

  public List<Input> inputs() {
    return inputs;
  }

  public LossFunction loss() {
    return loss;
  }

  public String output() {
    return output;
  }

  /** Position of the trained output among the values the module returns. */
  public int outputIndex() {
    return outputIndex;
  }

  public long[] outputDims() {
    return outputDims.clone();
  }

  /** Elements of the trained output per sample. */
  public int outputWidth() {
    return outputWidth;
  }

  /** Elements of a target per sample: a class index for cross_entropy, else like the output. */
  public int targetWidth() {
    return loss == LossFunction.CROSS_ENTROPY ? 1 : outputWidth;
  }

  public long[] targetDims() {
    return loss == LossFunction.CROSS_ENTROPY ? new long[0] : outputDims.clone();
  }

  /** The keys (JSONL) a sample has: every input, then the target. */
  public List<String> keys() {
    List<String> keys = new ArrayList<>();
    inputs.forEach(input -> keys.add(input.name()));
    keys.add(TARGET);
    return keys;
  }

  /** Whether a cross_entropy target is a class of the output; a message, or null. */
  public String classProblem(long index) {
    if (index >= 0 && index < outputWidth) {
      return null;
    }
    return "'target' is class "
        + index
        + ", outside the "
        + outputWidth
        + " classes of output '"
        + output
        + "' (0 to "
        + (outputWidth - 1)
        + ")";
  }

  /**
   * Checks a target's values against the loss: 0 or 1 for bce, within [0, 1] for bce_with_logits, a
   * class index of the output for cross_entropy. Returns a message, or null.
   */
  public String targetProblem(float[] target) {
    for (int i = 0; i < target.length; i++) {
      float value = target[i];
      String where = target.length == 1 ? "'target'" : "'target' element " + i;
      switch (loss) {
        case BCE -> {
          if (value != 0 && value != 1) {
            return where + " is " + value + "; loss bce needs targets 0 or 1";
          }
        }
        case BCE_WITH_LOGITS -> {
          if (!(value >= 0 && value <= 1)) {
            return where + " is " + value + "; loss bce_with_logits needs targets from 0 to 1";
          }
        }
        case CROSS_ENTROPY -> {
          String problem = classProblem((long) value);
          if (problem != null) {
            return problem;
          }
        }
        default -> {}
      }
    }
    return null;
  }
}
