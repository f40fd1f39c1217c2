package org.modelserver.runtime.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.util.Map;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;

/** Element-wise comparison of tensors: floats within a tolerance, everything else exactly. */
public final class TensorAssertions {
  /** The tolerance the ONNX outputs must meet against PyTorch's. */
  public static final double FLOAT_TOLERANCE = 1e-5;

  private TensorAssertions() {}

  public static void assertSameTensors(Map<String, Tensor> actual, Map<String, Tensor> expected) {
    assertThat(actual).containsOnlyKeys(expected.keySet());
    for (Map.Entry<String, Tensor> entry : expected.entrySet()) {
      assertSameTensor(entry.getKey(), actual.get(entry.getKey()), entry.getValue());
    }
  }

  public static void assertSameTensor(String name, Tensor actual, Tensor expected) {
    assertThat(actual).as("output %s", name).isNotNull();
    assertThat(actual.dataType()).as("datatype of %s", name).isEqualTo(expected.dataType());
    assertThat(actual.shape()).as("shape of %s", name).containsExactly(expected.shape());
    switch (expected.dataType()) {
      case FP32, FP64 ->
          assertThat(doubles(actual))
              .as("values of %s", name)
              .containsExactly(doubles(expected), within(FLOAT_TOLERANCE));
      case BYTES ->
          assertThat(actual.bytesElements())
              .as("values of %s", name)
              .isDeepEqualTo(expected.bytesElements());
      default ->
          assertThat(longs(actual)).as("values of %s", name).containsExactly(longs(expected));
    }
  }

  /** The elements of an FP32 or FP64 tensor, widened to double. */
  public static double[] doubles(Tensor tensor) {
    ByteBuffer data = tensor.data();
    double[] values = new double[tensor.elementCount()];
    for (int i = 0; i < values.length; i++) {
      values[i] =
          switch (tensor.dataType()) {
            case FP32 -> data.getFloat();
            case FP64 -> data.getDouble();
            default -> throw new IllegalArgumentException(tensor + " is not a float tensor");
          };
    }
    return values;
  }

  /** The elements of an integer or BOOL tensor, widened to long (unsigned types zero-extended). */
  public static long[] longs(Tensor tensor) {
    ByteBuffer data = tensor.data();
    DataType type = tensor.dataType();
    long[] values = new long[tensor.elementCount()];
    for (int i = 0; i < values.length; i++) {
      values[i] =
          switch (type) {
            case BOOL, INT8 -> data.get();
            case UINT8 -> Byte.toUnsignedLong(data.get());
            case INT16 -> data.getShort();
            case UINT16 -> Short.toUnsignedLong(data.getShort());
            case INT32 -> data.getInt();
            case UINT32 -> Integer.toUnsignedLong(data.getInt());
            case INT64, UINT64 -> data.getLong();
            default -> throw new IllegalArgumentException(tensor + " is not an integer tensor");
          };
    }
    return values;
  }
}
