package org.modelserver.server.rest.json;

import java.nio.ByteBuffer;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.server.codec.RawTensors;

/**
 * The binary tensor data extension's inputs: each takes its {@code binary_data_size} bytes, in
 * order, from the binary part of the body; the encoding itself is the shared {@link RawTensors}.
 */
public final class BinaryTensors {
  private BinaryTensors() {}

  /** Decodes {@code size} bytes at the buffer's position into a tensor, advancing it. */
  public static Tensor decode(
      String name, DataType type, long[] shape, ByteBuffer source, long size) {
    if (size > source.remaining()) {
      throw ServingException.invalidArgument(
          "input '"
              + name
              + "' declares binary_data_size "
              + size
              + " but only "
              + source.remaining()
              + " bytes of binary data are left in the request");
    }
    ByteBuffer bytes = source.slice(source.position(), (int) size);
    source.position(source.position() + (int) size);
    return RawTensors.decode(
        name, type, shape, bytes, "its binary data (binary_data_size " + size + ")");
  }
}
