package org.modelserver.runtime.inference;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.HalfFloats;
import org.modelserver.runtime.tensor.Tensor;

/**
 * How one output of a shadow version agrees with the answering version's: the largest absolute
 * difference of its elements, and in how many rows (along the last dimension) the arg-max is the
 * same. BYTES outputs have no difference; a row agrees when its elements are equal.
 *
 * @param shapesMatch false when the data types or shapes differ; nothing else is compared then
 * @param maxAbsDiff the largest absolute difference; NaN for BYTES, infinite where exactly one of
 *     the two elements is NaN
 * @param rows the rows compared (1 for a scalar)
 * @param agreeingRows the rows whose arg-max (first index of the largest value) is the same
 */
record OutputComparison(boolean shapesMatch, double maxAbsDiff, long rows, long agreeingRows) {
  static final OutputComparison SHAPE_MISMATCH = new OutputComparison(false, Double.NaN, 0, 0);

  static OutputComparison of(Tensor answered, Tensor shadow) {
    if (answered.dataType() != shadow.dataType()
        || !Arrays.equals(answered.shape(), shadow.shape())) {
      return SHAPE_MISMATCH;
    }
    int count = answered.elementCount();
    int rowLength = answered.rank() == 0 ? 1 : (int) answered.dim(answered.rank() - 1);
    long rows = rowLength == 0 ? 0 : count / rowLength;
    if (answered.dataType() == DataType.BYTES) {
      return bytes(answered.bytesElements(), shadow.bytesElements(), rowLength, rows);
    }
    Values a = new Values(answered);
    Values b = new Values(shadow);
    double max = 0;
    for (int i = 0; i < count; i++) {
      max = Math.max(max, difference(a.get(i), b.get(i)));
    }
    long agreeing = 0;
    for (long row = 0; row < rows; row++) {
      int start = (int) row * rowLength;
      if (argMax(a, start, rowLength) == argMax(b, start, rowLength)) {
        agreeing++;
      }
    }
    return new OutputComparison(true, max, rows, agreeing);
  }

  private static double difference(double x, double y) {
    if (Double.isNaN(x) || Double.isNaN(y)) {
      return Double.isNaN(x) && Double.isNaN(y) ? 0 : Double.POSITIVE_INFINITY;
    }
    return x == y ? 0 : Math.abs(x - y);
  }

  /** The first index of the largest value in the row; NaN is never the largest. */
  private static int argMax(Values values, int start, int length) {
    int best = 0;
    double largest = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < length; i++) {
      double value = values.get(start + i);
      if (value > largest) {
        largest = value;
        best = i;
      }
    }
    return best;
  }

  private static OutputComparison bytes(byte[][] a, byte[][] b, int rowLength, long rows) {
    long agreeing = 0;
    for (long row = 0; row < rows; row++) {
      boolean equal = true;
      for (int i = (int) row * rowLength; equal && i < (row + 1) * rowLength; i++) {
        equal = Arrays.equals(a[i], b[i]);
      }
      if (equal) {
        agreeing++;
      }
    }
    return new OutputComparison(true, Double.NaN, rows, agreeing);
  }

  /** A fixed-size tensor's elements read as doubles, in place. */
  private static final class Values {
    private final DataType type;
    private final ByteBuffer data;

    Values(Tensor tensor) {
      this.type = tensor.dataType();
      this.data = tensor.data();
    }

    double get(int index) {
      return switch (type) {
        case BOOL, INT8 -> data.get(index);
        case UINT8 -> Byte.toUnsignedInt(data.get(index));
        case INT16 -> data.getShort(index * 2);
        case UINT16 -> Short.toUnsignedInt(data.getShort(index * 2));
        case FP16 -> HalfFloats.fp16ToFloat(data.getShort(index * 2));
        case BF16 -> HalfFloats.bf16ToFloat(data.getShort(index * 2));
        case INT32 -> data.getInt(index * 4);
        case UINT32 -> Integer.toUnsignedLong(data.getInt(index * 4));
        case FP32 -> data.getFloat(index * 4);
        case INT64 -> data.getLong(index * 8);
        case UINT64 -> unsigned(data.getLong(index * 8));
        case FP64 -> data.getDouble(index * 8);
        case BYTES -> throw new IllegalStateException("BYTES elements are not numbers");
      };
    }

    private static double unsigned(long value) {
      double high = (double) (value >>> 1) * 2.0;
      return high + (value & 1);
    }
  }
}
