package org.modelserver.server.rest.json;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Shape;
import org.modelserver.runtime.tensor.Tensor;

/**
 * The binary tensor data extension's encoding: fixed-size elements little-endian, row-major; BYTES
 * elements as a 4-byte little-endian length followed by the bytes.
 */
public final class BinaryTensors {
  private BinaryTensors() {}

  /** Decodes {@code size} bytes at the buffer's position into a tensor, advancing it. */
  public static Tensor decode(
      String name, DataType type, long[] shape, ByteBuffer source, long size) {
    String where = "input '" + name + "'";
    if (size > source.remaining()) {
      throw ServingException.invalidArgument(
          where
              + " declares binary_data_size "
              + size
              + " but only "
              + source.remaining()
              + " bytes of binary data are left in the request");
    }
    long count = Shape.elementCount(shape);
    ByteBuffer bytes = source.slice(source.position(), (int) size).order(ByteOrder.LITTLE_ENDIAN);
    source.position(source.position() + (int) size);
    if (type == DataType.BYTES) {
      return decodeStrings(where, shape, count, bytes);
    }
    long expected = count < 0 ? -1 : count * type.byteSize();
    if (expected != size) {
      throw ServingException.invalidArgument(
          where
              + " has binary_data_size "
              + size
              + " but a "
              + type
              + " tensor of shape "
              + Shape.format(shape)
              + " needs "
              + (expected < 0 ? "more than 2^63" : Long.toString(expected))
              + " bytes");
    }
    // One copy into direct memory, which the engines read in place.
    ByteBuffer direct = ByteBuffer.allocateDirect((int) size).order(ByteOrder.LITTLE_ENDIAN);
    direct.put(bytes).flip();
    return Tensor.of(type, shape, direct);
  }

  private static Tensor decodeStrings(String where, long[] shape, long count, ByteBuffer bytes) {
    if (count < 0 || count > bytes.remaining() / 4 + 1) {
      throw ServingException.invalidArgument(
          where
              + " shape "
              + Shape.format(shape)
              + " cannot fit in "
              + bytes.remaining()
              + " bytes");
    }
    byte[][] elements = new byte[(int) count][];
    for (int i = 0; i < count; i++) {
      if (bytes.remaining() < 4) {
        throw ServingException.invalidArgument(
            where + " BYTES element " + i + " has no 4-byte length prefix; the data ends early");
      }
      int length = bytes.getInt();
      if (length < 0 || length > bytes.remaining()) {
        throw ServingException.invalidArgument(
            where
                + " BYTES element "
                + i
                + " declares "
                + Integer.toUnsignedString(length)
                + " bytes but "
                + bytes.remaining()
                + " remain");
      }
      elements[i] = new byte[length];
      bytes.get(elements[i]);
    }
    if (bytes.hasRemaining()) {
      throw ServingException.invalidArgument(
          where
              + " holds "
              + bytes.remaining()
              + " bytes after its "
              + count
              + " BYTES elements; binary_data_size and shape disagree");
    }
    return Tensor.ofBytes(shape, elements);
  }

  /** The size of a tensor's binary encoding. */
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

  /** Appends a tensor's binary encoding. */
  public static void write(Tensor tensor, java.io.ByteArrayOutputStream out) {
    if (tensor.dataType() != DataType.BYTES) {
      ByteBuffer data = tensor.data();
      byte[] copy = new byte[data.remaining()];
      data.get(copy);
      out.writeBytes(copy);
      return;
    }
    ByteBuffer length = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] element : tensor.bytesElements()) {
      length.clear();
      length.putInt(element.length);
      out.write(length.array(), 0, 4);
      out.writeBytes(element);
    }
  }
}
