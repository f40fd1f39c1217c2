package org.modelserver.runtime.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * An immutable-by-convention tensor: a data type, a concrete shape and its elements in row-major
 * order.
 *
 * <p>Fixed-size elements live in a little-endian {@link ByteBuffer} (direct when it came from the
 * network, so engines can read it without copying); {@link DataType#BYTES} elements are byte
 * arrays. Callers must not modify a tensor's buffer once it is built.
 */
public final class Tensor {
  private final DataType dataType;
  private final long[] shape;
  private final ByteBuffer data;
  private final byte[][] elements;

  private Tensor(DataType dataType, long[] shape, ByteBuffer data, byte[][] elements) {
    this.dataType = dataType;
    this.shape = shape;
    this.data = data;
    this.elements = elements;
  }

  /**
   * A tensor of fixed-size elements. The buffer's remaining bytes must be exactly the shape's
   * element count times the element size.
   */
  public static Tensor of(DataType dataType, long[] shape, ByteBuffer data) {
    Objects.requireNonNull(dataType, "dataType");
    if (!dataType.isFixedSize()) {
      throw new IllegalArgumentException("use ofBytes for BYTES tensors");
    }
    long count = Shape.elementCount(shape);
    long expected;
    try {
      expected = count < 0 ? -1 : Math.multiplyExact(count, (long) dataType.byteSize());
    } catch (ArithmeticException e) {
      expected = -1;
    }
    if (expected != data.remaining()) {
      throw new IllegalArgumentException(
          "a "
              + dataType
              + " tensor of shape "
              + Shape.format(shape)
              + " needs "
              + expected
              + " bytes, got "
              + data.remaining());
    }
    return new Tensor(dataType, shape.clone(), data.slice().order(ByteOrder.LITTLE_ENDIAN), null);
  }

  /** A tensor of {@link DataType#BYTES} elements. */
  public static Tensor ofBytes(long[] shape, byte[][] elements) {
    long count = Shape.elementCount(shape);
    if (count != elements.length) {
      throw new IllegalArgumentException(
          "a BYTES tensor of shape "
              + Shape.format(shape)
              + " needs "
              + count
              + " elements, got "
              + elements.length);
    }
    return new Tensor(DataType.BYTES, shape.clone(), null, elements);
  }

  /** Allocates a little-endian direct buffer for {@code count} elements of {@code type}. */
  public static ByteBuffer allocate(DataType type, int count) {
    return ByteBuffer.allocateDirect(Math.multiplyExact(count, type.byteSize()))
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  public static Tensor ofFloats(long[] shape, float... values) {
    ByteBuffer buffer = allocate(DataType.FP32, values.length);
    buffer.asFloatBuffer().put(values);
    return of(DataType.FP32, shape, buffer);
  }

  public static Tensor ofLongs(long[] shape, long... values) {
    ByteBuffer buffer = allocate(DataType.INT64, values.length);
    buffer.asLongBuffer().put(values);
    return of(DataType.INT64, shape, buffer);
  }

  public DataType dataType() {
    return dataType;
  }

  public long[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public long dim(int index) {
    return shape[index];
  }

  /** The bytes its elements take: the buffer's size, or a BYTES tensor's strings plus lengths. */
  public long byteSize() {
    if (data != null) {
      return data.remaining();
    }
    long total = 0;
    for (byte[] element : elements) {
      total += 4L + element.length;
    }
    return total;
  }

  public int elementCount() {
    return Math.toIntExact(Shape.elementCount(shape));
  }

  /**
   * A little-endian view of the elements, positioned at the first; not for {@link DataType#BYTES}.
   * The view shares the tensor's memory (so engines can read it in place) and must not be written
   * to.
   */
  public ByteBuffer data() {
    if (data == null) {
      throw new IllegalStateException("a BYTES tensor has no fixed-size data buffer");
    }
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The elements of a {@link DataType#BYTES} tensor. */
  public byte[][] bytesElements() {
    if (elements == null) {
      throw new IllegalStateException("only BYTES tensors have byte-string elements");
    }
    return elements.clone();
  }

  public float[] floats() {
    requireType(DataType.FP32);
    float[] values = new float[elementCount()];
    data().asFloatBuffer().get(values);
    return values;
  }

  public long[] longs() {
    requireType(DataType.INT64);
    long[] values = new long[elementCount()];
    data().asLongBuffer().get(values);
    return values;
  }

  private void requireType(DataType expected) {
    if (dataType != expected) {
      throw new IllegalStateException("tensor is " + dataType + ", not " + expected);
    }
  }

  @Override
  public String toString() {
    return "Tensor[" + dataType + " " + Shape.format(shape) + "]";
  }
}
