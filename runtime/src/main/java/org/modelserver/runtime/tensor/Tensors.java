package org.modelserver.runtime.tensor;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/** Joining tensors along the first (batch) dimension and taking rows back out. */
public final class Tensors {
  private Tensors() {}

  /**
   * Concatenates tensors of one data type whose shapes differ only in the first dimension. A single
   * tensor is returned as it is, without copying.
   */
  public static Tensor concatRows(List<Tensor> parts) {
    Tensor first = parts.get(0);
    if (parts.size() == 1) {
      return first;
    }
    long rows = 0;
    for (Tensor part : parts) {
      if (part.dataType() != first.dataType()
          || part.rank() != first.rank()
          || !Arrays.equals(Shape.dropFirst(part.shape()), Shape.dropFirst(first.shape()))) {
        throw new IllegalArgumentException(
            "cannot join " + part + " to " + first + " along the batch dimension");
      }
      rows += part.dim(0);
    }
    long[] shape = first.shape();
    shape[0] = rows;
    if (first.dataType() == DataType.BYTES) {
      byte[][] joined = new byte[Math.toIntExact(Shape.elementCount(shape))][];
      int at = 0;
      for (Tensor part : parts) {
        byte[][] elements = part.bytesElements();
        System.arraycopy(elements, 0, joined, at, elements.length);
        at += elements.length;
      }
      return Tensor.ofBytes(shape, joined);
    }
    long bytes = 0;
    for (Tensor part : parts) {
      bytes += part.data().remaining();
    }
    if (bytes > Integer.MAX_VALUE - 8L) {
      // The batcher never forms such a batch; a caller that does gets a clear refusal.
      throw new IllegalArgumentException(
          "cannot join "
              + parts.size()
              + " tensors of "
              + bytes
              + " bytes in all into one buffer: the most is "
              + (Integer.MAX_VALUE - 8L));
    }
    ByteBuffer joined = ByteBuffer.allocateDirect((int) bytes);
    for (Tensor part : parts) {
      joined.put(part.data());
    }
    joined.flip();
    return Tensor.of(first.dataType(), shape, joined);
  }

  /** Rows {@code [start, start + count)} of a tensor, sharing its memory. */
  public static Tensor sliceRows(Tensor tensor, long start, long count) {
    if (tensor.rank() == 0 || start < 0 || count < 0 || start + count > tensor.dim(0)) {
      throw new IllegalArgumentException(
          "rows " + start + ".." + (start + count) + " are outside " + tensor);
    }
    if (start == 0 && count == tensor.dim(0)) {
      return tensor;
    }
    long[] shape = tensor.shape();
    shape[0] = count;
    long rowElements = shape.length == 1 ? 1 : Shape.elementCount(Shape.dropFirst(shape));
    if (tensor.dataType() == DataType.BYTES) {
      byte[][] elements = tensor.bytesElements();
      return Tensor.ofBytes(
          shape,
          Arrays.copyOfRange(
              elements,
              Math.toIntExact(start * rowElements),
              Math.toIntExact((start + count) * rowElements)));
    }
    int rowBytes = Math.toIntExact(rowElements * tensor.dataType().byteSize());
    ByteBuffer data = tensor.data();
    ByteBuffer rows =
        data.slice(
            data.position() + Math.toIntExact(start * rowBytes), Math.toIntExact(count * rowBytes));
    return Tensor.of(tensor.dataType(), shape, rows);
  }
}
