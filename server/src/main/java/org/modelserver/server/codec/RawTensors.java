package org.modelserver.server.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Shape;
import org.modelserver.runtime.tensor.Tensor;

/**
 * Tensors to and from the protocols' raw form, shared by gRPC ({@code raw_input_contents}, {@code
 * raw_output_contents}) and REST's binary tensor data extension: the flattened row-major elements,
 * little-endian, without padding; a BYTES element is a 4-byte little-endian length followed by its
 * bytes.
 */
public final class RawTensors {
  private RawTensors() {}

  /** Decodes one input's raw contents, checking its size against the shape and datatype. */
  public static Tensor decode(String name, DataType type, long[] shape, ByteString raw) {
    return decode(name, type, shape, raw.asReadOnlyByteBuffer(), "raw_input_contents");
  }

  /**
   * Decodes an input's raw bytes (from the buffer's position to its limit).
   *
   * @param source where the bytes came from, for messages (e.g. {@code raw_input_contents})
   */
  public static Tensor decode(
      String name, DataType type, long[] shape, ByteBuffer bytes, String source) {
    ByteBuffer raw = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
    long count = Shape.elementCount(shape);
    if (type == DataType.BYTES) {
      return decodeBytes(name, shape, count, raw, source);
    }
    long needed;
    try {
      needed = count < 0 ? -1 : Math.multiplyExact(count, (long) type.byteSize());
    } catch (ArithmeticException e) {
      needed = -1;
    }
    if (needed != raw.remaining()) {
      throw ServingException.invalidArgument(
          "input '"
              + name
              + "' has "
              + raw.remaining()
              + " bytes in "
              + source
              + " but its shape "
              + Shape.format(shape)
              + " of "
              + type
              + " needs "
              + (needed < 0 ? "more than 2^63" : Long.toString(needed))
              + " ("
              + (count < 0 ? "more than 2^63" : Long.toString(count))
              + " elements of "
              + type.byteSize()
              + (type.byteSize() == 1 ? " byte)" : " bytes)"));
    }
    // One copy into direct memory, which the engines read in place.
    ByteBuffer buffer = Tensor.allocate(type, (int) count);
    buffer.put(raw);
    buffer.flip();
    if (type == DataType.BOOL) {
      for (int i = 0; i < count; i++) {
        byte value = buffer.get(i);
        if (value != 0 && value != 1) {
          throw ServingException.invalidArgument(
              "input '"
                  + name
                  + "' element "
                  + i
                  + " value "
                  + value
                  + " is out of range for BOOL (0 is false, 1 is true)");
        }
      }
    }
    return Tensor.of(type, shape, buffer);
  }

  private static Tensor decodeBytes(
      String name, long[] shape, long count, ByteBuffer in, String source) {
    // every element takes at least its 4-byte length: a larger count cannot be in this message
    if (count < 0 || count > in.remaining() / 4) {
      throw ServingException.invalidArgument(
          "input '"
              + name
              + "' has "
              + in.remaining()
              + " bytes in "
              + source
              + ", too few for the "
              + (count < 0 ? "more than 2^63" : Long.toString(count))
              + " BYTES elements its shape "
              + Shape.format(shape)
              + " needs (each is a 4-byte little-endian length and its bytes)");
    }
    byte[][] elements = new byte[(int) count][];
    for (int i = 0; i < count; i++) {
      long length = in.remaining() >= 4 ? Integer.toUnsignedLong(in.getInt()) : -1;
      if (length < 0 || length > in.remaining()) {
        throw ServingException.invalidArgument(
            "input '"
                + name
                + "' "
                + source
                + " ends inside BYTES element "
                + i
                + " of "
                + count
                + " (each is a 4-byte little-endian length and its bytes)");
      }
      elements[i] = new byte[(int) length];
      in.get(elements[i]);
    }
    if (in.hasRemaining()) {
      throw ServingException.invalidArgument(
          "input '"
              + name
              + "' "
              + source
              + " has "
              + in.remaining()
              + " bytes after the "
              + count
              + " BYTES elements its shape "
              + Shape.format(shape)
              + " needs");
    }
    return Tensor.ofBytes(shape, elements);
  }

  /** The raw form of an output tensor. */
  public static ByteString encode(Tensor tensor) {
    if (tensor.dataType() != DataType.BYTES) {
      return ByteString.copyFrom(tensor.data());
    }
    byte[][] elements = tensor.bytesElements();
    int size = 0;
    for (byte[] element : elements) {
      size = Math.addExact(size, Math.addExact(4, element.length));
    }
    ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] element : elements) {
      out.putInt(element.length);
      out.put(element);
    }
    return UnsafeByteOperations.unsafeWrap(out.array()); // ours alone: no copy
  }

  /** The size of a tensor's raw form. */
  public static long size(Tensor tensor) {
    if (tensor.dataType() != DataType.BYTES) {
      return tensor.data().remaining();
    }
    long size = 0;
    for (byte[] element : tensor.bytesElements()) {
      size += 4 + element.length;
    }
    return size;
  }

  /** Appends a tensor's raw form. */
  public static void write(Tensor tensor, java.io.ByteArrayOutputStream out) {
    ByteString raw = encode(tensor);
    try {
      raw.writeTo(out);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
  }
}
