package org.modelserver.runtime.inference;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.HalfFloats;
import org.modelserver.runtime.tensor.Tensor;

/**
 * Triton's classification extension: an output returned as its top N classes, each a BYTES element
 * {@code "value:index"} or {@code "value:index:label"}, highest value first, per batch row.
 */
final class Classification {
  private Classification() {}

  static Tensor topN(String name, Tensor output, int n, boolean batched, List<String> labels) {
    if (n < 1) {
      throw ServingException.invalidArgument(
          "output '" + name + "' parameter 'classification' must be 1 or more, got " + n);
    }
    DataType type = output.dataType();
    if (!type.isFixedSize() || type == DataType.BOOL) {
      throw ServingException.invalidArgument(
          "output '" + name + "' is " + type + "; classification needs a numeric output");
    }
    int rows = batched && output.rank() > 0 ? Math.toIntExact(output.dim(0)) : 1;
    int perRow = rows == 0 ? 0 : output.elementCount() / rows;
    int keep = Math.min(n, perRow);
    double[] values = values(output);
    byte[][] classes = new byte[rows * keep][];
    Integer[] order = new Integer[perRow];
    for (int row = 0; row < rows; row++) {
      int base = row * perRow;
      for (int i = 0; i < perRow; i++) {
        order[i] = i;
      }
      // Highest first; equal values keep index order, so the result is deterministic.
      java.util.Arrays.sort(order, (a, b) -> Double.compare(values[base + b], values[base + a]));
      for (int k = 0; k < keep; k++) {
        int index = order[k];
        String label = labels != null && index < labels.size() ? ":" + labels.get(index) : "";
        String text = format(values[base + index], type) + ":" + index + label;
        classes[row * keep + k] = text.getBytes(StandardCharsets.UTF_8);
      }
    }
    long[] shape = batched ? new long[] {rows, keep} : new long[] {keep};
    return Tensor.ofBytes(shape, classes);
  }

  private static String format(double value, DataType type) {
    return switch (type) {
      case FP16, BF16, FP32, FP64 -> String.format(Locale.ROOT, "%f", value);
      default -> Long.toString((long) value);
    };
  }

  private static double[] values(Tensor tensor) {
    int count = tensor.elementCount();
    double[] values = new double[count];
    ByteBuffer data = tensor.data();
    for (int i = 0; i < count; i++) {
      values[i] =
          switch (tensor.dataType()) {
            case UINT8 -> data.get() & 0xFF;
            case INT8 -> data.get();
            case UINT16 -> data.getShort() & 0xFFFF;
            case INT16 -> data.getShort();
            case UINT32 -> data.getInt() & 0xFFFFFFFFL;
            case INT32 -> data.getInt();
            case UINT64, INT64 -> data.getLong();
            case FP16 -> HalfFloats.fp16ToFloat(data.getShort());
            case BF16 -> HalfFloats.bf16ToFloat(data.getShort());
            case FP32 -> data.getFloat();
            case FP64 -> data.getDouble();
            default -> throw new IllegalStateException("not numeric: " + tensor.dataType());
          };
    }
    return values;
  }
}
