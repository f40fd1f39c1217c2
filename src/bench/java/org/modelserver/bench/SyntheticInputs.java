package org.modelserver.bench;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;

/** The inputs the engine benchmark feeds a model, made from its tensor specs. */
final class SyntheticInputs {
  private SyntheticInputs() {}

  /** Random FP32/FP64 values (fixed seed); zeros for every other fixed-size type. */
  static Map<String, Tensor> of(List<TensorSpec> specs, int batch, long otherDim) {
    SplittableRandom random = new SplittableRandom(42);
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    for (TensorSpec input : specs) {
      if (!input.dataType().isFixedSize()) {
        throw new IllegalStateException(
            "input " + input.name() + " is " + input.dataType() + "; only fixed-size types");
      }
      long[] shape = input.dims();
      if (shape.length == 0 || shape[0] != -1) {
        throw new IllegalStateException(
            "input " + input.name() + " has shape " + fmt(shape) + ": no dynamic batch dimension");
      }
      shape[0] = batch;
      for (int i = 1; i < shape.length; i++) {
        if (shape[i] < 0) {
          shape[i] = otherDim;
        }
      }
      long count = 1;
      for (long d : shape) {
        count = Math.multiplyExact(count, d);
      }
      ByteBuffer buffer = Tensor.allocate(input.dataType(), Math.toIntExact(count));
      if (input.dataType() == DataType.FP32) {
        FloatBuffer floats = buffer.asFloatBuffer();
        while (floats.hasRemaining()) {
          floats.put((float) random.nextDouble());
        }
      } else if (input.dataType() == DataType.FP64) {
        DoubleBuffer doubles = buffer.asDoubleBuffer();
        while (doubles.hasRemaining()) {
          doubles.put(random.nextDouble());
        }
      }
      inputs.put(input.name(), Tensor.of(input.dataType(), shape, buffer));
    }
    return inputs;
  }

  static String fmt(long[] shape) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      sb.append(i == 0 ? "" : ",").append(shape[i]);
    }
    return sb.append(']').toString();
  }
}
