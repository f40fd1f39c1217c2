package org.modelserver.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Shape;
import org.modelserver.runtime.tensor.Tensor;

/**
 * Tensors to and from the protocol's raw form ({@code raw_input_contents}, {@code
 * raw_output_contents}): the flattened row-major elements, little-endian, without padding; a BYTES
 * element is a 4-byte little-endian length followed by its bytes.
 */
final class RawTensors {
  private RawTensors() {}

  /** Decodes one input's raw contents, checking its size against the shape and datatype. */
  static Tensor decode(String name, DataType type, long[] shape, ByteString raw) {
    long count = Shape.elementCount(shape);
    if (type == DataType.BYTES) {
      return decodeBytes(name, shape, count, raw);
    }
    long needed;
    try {
      needed = count < 0 ? -1 : Math.multiplyExact(count, (long) type.byteSize());
    } catch (ArithmeticException e) {
      needed = -1;
    }
    if (needed != raw.size()) {
      throw ServingException.invalidArgument(
          "input '"
              + name
              + "' has "
              + raw.size()
              + " bytes in raw_input_contents but its shape "
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
    ByteBuffer buffer = Tensor.allocate(type, (int) count);
    raw.copyTo(buffer);
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

  private static Tensor decodeBytes(String name, long[] shape, long count, ByteString raw) {
    // every element takes at least its 4-byte length: a larger count cannot be in this message
    if (count < 0 || count > raw.size() / 4) {
      throw ServingException.invalidArgument(
          "input '"
              + name
              + "' has "
              + raw.size()
              + " bytes in raw_input_contents, too few for the "
              + (count < 0 ? "more than 2^63" : Long.toString(count))
              + " BYTES elements its shape "
              + Shape.format(shape)
              + " needs (each is a 4-byte little-endian length and its bytes)");
    }
    ByteBuffer in = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    byte[][] elements = new byte[(int) count][];
    for (int i = 0; i < count; i++) {
      long length = in.remaining() >= 4 ? Integer.toUnsignedLong(in.getInt()) : -1;
      if (length < 0 || length > in.remaining()) {
        throw ServingException.invalidArgument(
            "input '"
                + name
                + "' raw_input_contents ends inside BYTES element "
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
              + "' raw_input_contents has "
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
  static ByteString encode(Tensor tensor) {
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
}
