package org.modelserver.server.grpc;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.modelserver.grpc.v2.InferTensorContents;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Shape;
import org.modelserver.runtime.tensor.Tensor;

/**
 * An input's typed {@code contents}: the repeated field that matches its datatype, as the protocol
 * assigns them ({@code int_contents} for INT8/16/32, {@code uint_contents} for UINT8/16/32, ...).
 * Narrow integer types are range-checked as over JSON; FP16 and BF16 have no typed field and travel
 * only as raw contents.
 */
final class TypedContents {
  private TypedContents() {}

  /** The bytes decoding will allocate: the elements present, at their datatype's width. */
  static long plannedBytes(DataType type, InferTensorContents contents) {
    long elements = 0;
    for (int count : counts(contents).values()) {
      elements += count;
    }
    return type == DataType.BYTES ? contents.getSerializedSize() : elements * type.byteSize();
  }

  static Tensor decode(String name, DataType type, long[] shape, InferTensorContents contents) {
    String where = "input '" + name + "'";
    String field = field(type);
    if (field == null) {
      throw ServingException.invalidArgument(
          where
              + " is "
              + type
              + ", which has no typed contents field; send it in raw_input_contents");
    }
    Map<String, Integer> counts = counts(contents);
    for (Map.Entry<String, Integer> other : counts.entrySet()) {
      if (other.getValue() > 0 && !other.getKey().equals(field)) {
        throw ServingException.invalidArgument(
            where
                + " is "
                + type
                + ", whose elements go in "
                + field
                + ", but it sets "
                + other.getKey());
      }
    }
    long expected = Shape.elementCount(shape);
    int count = counts.get(field);
    if (count != expected) {
      throw ServingException.invalidArgument(
          where
              + " has "
              + count
              + " elements in "
              + field
              + " but its shape "
              + Shape.format(shape)
              + " needs "
              + (expected < 0 ? "more than 2^63" : Long.toString(expected)));
    }
    if (type == DataType.BYTES) {
      byte[][] elements = new byte[count][];
      for (int i = 0; i < count; i++) {
        elements[i] = contents.getBytesContents(i).toByteArray();
      }
      return Tensor.ofBytes(shape, elements);
    }
    ByteBuffer buffer = Tensor.allocate(type, count);
    switch (type) {
      case BOOL -> contents.getBoolContentsList().forEach(v -> buffer.put((byte) (v ? 1 : 0)));
      case INT8 -> putInts(buffer, where, contents.getIntContentsList(), -128, 127, type);
      case INT16 -> putInts(buffer, where, contents.getIntContentsList(), -32768, 32767, type);
      case INT32 ->
          putInts(
              buffer,
              where,
              contents.getIntContentsList(),
              Integer.MIN_VALUE,
              Integer.MAX_VALUE,
              type);
      case UINT8 -> putUints(buffer, where, contents.getUintContentsList(), 255, type);
      case UINT16 -> putUints(buffer, where, contents.getUintContentsList(), 65535, type);
      case UINT32 -> putUints(buffer, where, contents.getUintContentsList(), 0xFFFFFFFFL, type);
      case INT64 -> contents.getInt64ContentsList().forEach(buffer::putLong);
      case UINT64 -> contents.getUint64ContentsList().forEach(buffer::putLong);
      case FP32 -> contents.getFp32ContentsList().forEach(buffer::putFloat);
      case FP64 -> contents.getFp64ContentsList().forEach(buffer::putDouble);
      default -> throw new IllegalStateException("no typed contents for " + type);
    }
    buffer.flip();
    return Tensor.of(type, shape, buffer);
  }

  /** The contents field of a datatype, or null for FP16 and BF16. */
  static String field(DataType type) {
    return switch (type) {
      case BOOL -> "bool_contents";
      case INT8, INT16, INT32 -> "int_contents";
      case INT64 -> "int64_contents";
      case UINT8, UINT16, UINT32 -> "uint_contents";
      case UINT64 -> "uint64_contents";
      case FP32 -> "fp32_contents";
      case FP64 -> "fp64_contents";
      case BYTES -> "bytes_contents";
      case FP16, BF16 -> null;
    };
  }

  private static Map<String, Integer> counts(InferTensorContents contents) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    counts.put("bool_contents", contents.getBoolContentsCount());
    counts.put("int_contents", contents.getIntContentsCount());
    counts.put("int64_contents", contents.getInt64ContentsCount());
    counts.put("uint_contents", contents.getUintContentsCount());
    counts.put("uint64_contents", contents.getUint64ContentsCount());
    counts.put("fp32_contents", contents.getFp32ContentsCount());
    counts.put("fp64_contents", contents.getFp64ContentsCount());
    counts.put("bytes_contents", contents.getBytesContentsCount());
    return counts;
  }

  private static void putInts(
      ByteBuffer buffer, String where, List<Integer> values, long min, long max, DataType type) {
    for (int i = 0; i < values.size(); i++) {
      int value = values.get(i);
      check(where, i, value, min, max, type);
      put(buffer, type, value);
    }
  }

  /** uint_contents holds uint32 values, which Java reads as signed ints. */
  private static void putUints(
      ByteBuffer buffer, String where, List<Integer> values, long max, DataType type) {
    for (int i = 0; i < values.size(); i++) {
      long value = Integer.toUnsignedLong(values.get(i));
      check(where, i, value, 0, max, type);
      put(buffer, type, value);
    }
  }

  private static void check(
      String where, int index, long value, long min, long max, DataType type) {
    if (value < min || value > max) {
      throw ServingException.invalidArgument(
          where
              + " element "
              + index
              + " value "
              + value
              + " is out of range for "
              + type
              + " ("
              + min
              + ".."
              + max
              + ")");
    }
  }

  private static void put(ByteBuffer buffer, DataType type, long value) {
    switch (type.byteSize()) {
      case 1 -> buffer.put((byte) value);
      case 2 -> buffer.putShort((short) value);
      default -> buffer.putInt((int) value);
    }
  }
}
