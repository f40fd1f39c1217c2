package org.modelserver.runtime.train.torch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.train.data.TrainingData;
import org.modelserver.runtime.train.spec.LossFunction;
import org.modelserver.runtime.train.spec.SampleLayout;

/** Copies the samples at some positions of an index order into batch tensors. */
final class Batches {
  private final TrainingData data;
  private final SampleLayout layout;

  Batches(TrainingData data) {
    this.data = data;
    this.layout = data.layout();
  }

  /** The inputs of samples {@code order[from..to)}, each {@code [to - from, dims...]}. */
  NDList inputs(NDManager manager, int[] order, int from, int to) {
    List<SampleLayout.Input> inputs = layout.inputs();
    NDList list = new NDList(inputs.size());
    for (int i = 0; i < inputs.size(); i++) {
      SampleLayout.Input input = inputs.get(i);
      Shape shape = batchShape(to - from, input.dims());
      int width = input.width();
      if (input.dataType() == DataType.INT64) {
        long[] values = new long[(to - from) * width];
        long[] column = data.longColumn(i);
        for (int r = from; r < to; r++) {
          System.arraycopy(column, order[r] * width, values, (r - from) * width, width);
        }
        list.add(manager.create(values, shape));
      } else {
        float[] values = new float[(to - from) * width];
        float[] column = data.floatColumn(i);
        for (int r = from; r < to; r++) {
          System.arraycopy(column, order[r] * width, values, (r - from) * width, width);
        }
        list.add(manager.create(values, shape));
      }
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
    float[] values = new float[rows * width];
    if (layout.loss() == LossFunction.CROSS_ENTROPY) {
      for (int r = from; r < to; r++) {
        values[(r - from) * width + (int) column[order[r]]] = 1f;
      }
    } else {
      for (int r = from; r < to; r++) {
        System.arraycopy(column, order[r] * width, values, (r - from) * width, width);
      }
    }
    return manager.create(values, batchShape(rows, layout.outputDims()));
  }

  static Shape batchShape(int rows, long[] dims) {
    long[] shape = new long[dims.length + 1];
    shape[0] = rows;
    System.arraycopy(dims, 0, shape, 1, dims.length);
    return new Shape(shape);
  }
}
