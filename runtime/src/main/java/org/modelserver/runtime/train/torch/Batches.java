package org.modelserver.runtime.train.torch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.train.data.TrainingData;
import org.modelserver.runtime.train.spec.LossFunction;
import org.modelserver.runtime.train.spec.SampleLayout;

/**
 * Copies the samples at some positions of an index order into batch tensors.
 *
 * <p>Each column has one native buffer for the whole run, sized for a full batch. On the CPU
 * libtorch wraps such a buffer without copying it, so a batch's tensors must be closed before the
 * next batch is written: the trainer closes them with each step's scope. A new buffer per batch
 * would cost a native allocation and its zeroing at every step, and page faults as the freed memory
 * is trimmed and touched again.
 */
final class Batches {
  private final TrainingData data;
  private final SampleLayout layout;
  private final ByteBuffer[] inputBuffers;
  private final ByteBuffer targetBuffer;
  private final float[] zeroRow;

  /** Batches of at most {@code batchSize} samples. */
  Batches(TrainingData data, int batchSize) {
    batchSize = Math.min(batchSize, data.size());
    this.data = data;
    this.layout = data.layout();
    List<SampleLayout.Input> inputs = layout.inputs();
    inputBuffers = new ByteBuffer[inputs.size()];
    for (int i = 0; i < inputs.size(); i++) {
      SampleLayout.Input input = inputs.get(i);
      int bytes = input.dataType() == DataType.INT64 ? Long.BYTES : Float.BYTES;
      inputBuffers[i] = buffer(batchSize * input.width() * bytes);
    }
    targetBuffer = buffer(batchSize * layout.outputWidth() * Float.BYTES);
    zeroRow = new float[layout.outputWidth()];
  }

  private static ByteBuffer buffer(int bytes) {
    return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
  }

  /** The inputs of samples {@code order[from..to)}, each {@code [to - from, dims...]}. */
  NDList inputs(NDManager manager, int[] order, int from, int to) {
    List<SampleLayout.Input> inputs = layout.inputs();
    NDList list = new NDList(inputs.size());
    for (int i = 0; i < inputs.size(); i++) {
      SampleLayout.Input input = inputs.get(i);
      int width = input.width();
      ByteBuffer buffer = inputBuffers[i];
      ai.djl.ndarray.types.DataType type;
      if (input.dataType() == DataType.INT64) {
        LongBuffer values = buffer.clear().asLongBuffer();
        long[] column = data.longColumn(i);
        for (int r = from; r < to; r++) {
          values.put((r - from) * width, column, order[r] * width, width);
        }
        buffer.limit((to - from) * width * Long.BYTES);
        type = ai.djl.ndarray.types.DataType.INT64;
      } else {
        FloatBuffer values = buffer.clear().asFloatBuffer();
        float[] column = data.floatColumn(i);
        for (int r = from; r < to; r++) {
          values.put((r - from) * width, column, order[r] * width, width);
        }
        buffer.limit((to - from) * width * Float.BYTES);
        type = ai.djl.ndarray.types.DataType.FLOAT32;
      }
      list.add(manager.create(buffer, batchShape(to - from, input.dims()), type));
    }
    return list;
  }

  /**
   * The targets of samples {@code order[from..to)} shaped like the trained output's batch; class
   * indices become one-hot rows for cross_entropy.
   */
  NDArray target(NDManager manager, int[] order, int from, int to) {
    int rows = to - from;
    float[] column = data.targetColumn();
    int width = layout.outputWidth();
    FloatBuffer values = targetBuffer.clear().asFloatBuffer();
    if (layout.loss() == LossFunction.CROSS_ENTROPY) {
      for (int r = from; r < to; r++) {
        values.put((r - from) * width, zeroRow);
        values.put((r - from) * width + (int) column[order[r]], 1f);
      }
    } else {
      for (int r = from; r < to; r++) {
        values.put((r - from) * width, column, order[r] * width, width);
      }
    }
    targetBuffer.limit(rows * width * Float.BYTES);
    return manager.create(
        targetBuffer, batchShape(rows, layout.outputDims()), ai.djl.ndarray.types.DataType.FLOAT32);
  }

  static Shape batchShape(int rows, long[] dims) {
    long[] shape = new long[dims.length + 1];
    shape[0] = rows;
    System.arraycopy(dims, 0, shape, 1, dims.length);
    return new Shape(shape);
  }
}
