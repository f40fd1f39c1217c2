package org.modelserver.server.rest.json;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Shape;
import org.modelserver.runtime.tensor.Tensor;
import tools.jackson.databind.JsonNode;

/**
 * Turns a JSON {@code data} array (flat or nested, row-major) into a {@link Tensor}, checking the
 * element count and each value's range for the datatype.
 */
final class TensorJsonDecoder {
  private static final BigInteger UINT64_MAX =
      BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private TensorJsonDecoder() {}

  static Tensor decode(String name, DataType type, long[] shape, JsonNode data) {
    String where = "input '" + name + "'";
    if (type == DataType.FP16 || type == DataType.BF16) {
      throw ServingException.invalidArgument(
          where
              + " is "
              + type
              + ", which JSON cannot carry; send it with the binary tensor data extension");
    }
    long expected = Shape.elementCount(shape);
    long actual = countLeaves(data, where);
    if (expected != actual) {
      throw ServingException.invalidArgument(
          where
              + " has "
              + actual
              + " elements in 'data' but its shape "
              + Shape.format(shape)
              + " needs "
              + (expected < 0 ? "more than 2^63" : Long.toString(expected)));
    }
    int count = Math.toIntExact(actual);
    if (type == DataType.BYTES) {
      byte[][] elements = new byte[count][];
      int[] next = {0};
      forEachLeaf(data, leaf -> elements[next[0]] = bytes(leaf, where, next[0]++));
      return Tensor.ofBytes(shape, elements);
    }
    ByteBuffer buffer = Tensor.allocate(type, count);
    int[] index = {0};
    forEachLeaf(data, leaf -> put(buffer, type, leaf, where, index[0]++));
    buffer.flip();
    return Tensor.of(type, shape, buffer);
  }

  private static long countLeaves(JsonNode node, String where) {
    if (!node.isArray()) {
      if (node.isContainer()) {
        throw ServingException.invalidArgument(
            where + " has an object inside 'data'; expected numbers, booleans or strings");
      }
      return 1;
    }
    long count = 0;
    for (JsonNode child : node) {
      count += countLeaves(child, where);
    }
    return count;
  }

  private interface LeafVisitor {
    void visit(JsonNode leaf);
  }

  private static void forEachLeaf(JsonNode node, LeafVisitor visitor) {
    if (node.isArray()) {
      for (JsonNode child : node) {
        forEachLeaf(child, visitor);
      }
    } else {
      visitor.visit(node);
    }
  }

  private static byte[] bytes(JsonNode leaf, String where, int index) {
    if (!leaf.isString()) {
      throw bad(where, index, leaf, "a string");
    }
    return leaf.stringValue().getBytes(StandardCharsets.UTF_8);
  }

  private static void put(
      ByteBuffer buffer, DataType type, JsonNode leaf, String where, int index) {
    switch (type) {
      case BOOL -> {
        if (!leaf.isBoolean()) {
          throw bad(where, index, leaf, "true or false");
        }
        buffer.put((byte) (leaf.booleanValue() ? 1 : 0));
      }
      case UINT8 -> buffer.put((byte) integer(leaf, where, index, type, 0, 255));
      case INT8 ->
          buffer.put((byte) integer(leaf, where, index, type, Byte.MIN_VALUE, Byte.MAX_VALUE));
      case UINT16 -> buffer.putShort((short) integer(leaf, where, index, type, 0, 65535));
      case INT16 ->
          buffer.putShort(
              (short) integer(leaf, where, index, type, Short.MIN_VALUE, Short.MAX_VALUE));
      case UINT32 -> buffer.putInt((int) integer(leaf, where, index, type, 0, 0xFFFFFFFFL));
      case INT32 ->
          buffer.putInt(
              (int) integer(leaf, where, index, type, Integer.MIN_VALUE, Integer.MAX_VALUE));
      case INT64 ->
          buffer.putLong(integer(leaf, where, index, type, Long.MIN_VALUE, Long.MAX_VALUE));
      case UINT64 -> buffer.putLong(unsigned64(leaf, where, index));
      case FP32 -> {
        double value = number(leaf, where, index);
        float narrowed = (float) value;
        if (Float.isInfinite(narrowed)) {
          throw outOfRange(where, index, leaf, "FP32 (magnitude up to 3.4028235e38)");
        }
        buffer.putFloat(narrowed);
      }
      case FP64 -> {
        double value = number(leaf, where, index);
        if (Double.isInfinite(value)) {
          throw outOfRange(where, index, leaf, "FP64");
        }
        buffer.putDouble(value);
      }
      default -> throw new IllegalStateException("no JSON decoding for " + type);
    }
  }

  private static long integer(
      JsonNode leaf, String where, int index, DataType type, long min, long max) {
    if (!leaf.isIntegralNumber()) {
      throw bad(where, index, leaf, "an integer for " + type);
    }
    if (!leaf.canConvertToLong() || leaf.longValue() < min || leaf.longValue() > max) {
      throw outOfRange(where, index, leaf, type + " (" + min + ".." + max + ")");
    }
    return leaf.longValue();
  }

  private static long unsigned64(JsonNode leaf, String where, int index) {
    if (!leaf.isIntegralNumber()) {
      throw bad(where, index, leaf, "an integer for UINT64");
    }
    BigInteger value = leaf.bigIntegerValue();
    if (value.signum() < 0 || value.compareTo(UINT64_MAX) > 0) {
      throw outOfRange(where, index, leaf, "UINT64 (0.." + UINT64_MAX + ")");
    }
    return value.longValue();
  }

  private static double number(JsonNode leaf, String where, int index) {
    if (!leaf.isNumber()) {
      throw bad(where, index, leaf, "a number");
    }
    return leaf.doubleValue();
  }

  private static ServingException bad(String where, int index, JsonNode leaf, String expected) {
    return ServingException.invalidArgument(
        where + " element " + index + " is " + describe(leaf) + "; expected " + expected);
  }

  private static ServingException outOfRange(String where, int index, JsonNode leaf, String range) {
    return ServingException.invalidArgument(
        where + " element " + index + " value " + leaf + " is out of range for " + range);
  }

  private static String describe(JsonNode leaf) {
    String text = leaf.toString();
    if (text.length() > 40) {
      text = text.substring(0, 40) + "...";
    }
    return text;
  }
}
