package org.modelserver.server.rest.json;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Shape;
import org.modelserver.runtime.tensor.Tensor;

/**
 * Receives the JSON elements of one input's {@code data}, in row-major order, and writes them
 * straight into the tensor's primitive buffer, checking each value's type and range.
 *
 * <p>Elements beyond the shape's count are counted but not stored, so a mismatch is reported with
 * both numbers; a shape that no body of this size could fill allocates nothing.
 */
final class ElementWriter {
  private static final BigInteger UINT64_MAX =
      BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  /** The text of the element being written, asked for only when reporting an error. */
  interface ValueText {
    String text();
  }

  private final String name;
  private final DataType type;
  private final long[] shape;
  private final long expected;
  private final ByteBuffer buffer;
  private final byte[][] strings;
  private final ValueText valueText;
  private long count;

  /**
   * @param maxElements an upper bound on how many elements the body can hold (its length)
   */
  ElementWriter(String name, DataType type, long[] shape, long maxElements, ValueText valueText) {
    this.name = name;
    this.type = type;
    this.shape = shape;
    this.valueText = valueText;
    if (type == DataType.FP16 || type == DataType.BF16) {
      throw ServingException.invalidArgument(
          where()
              + " is "
              + type
              + ", which JSON cannot carry; send it with the binary tensor data extension");
    }
    this.expected = Shape.elementCount(shape);
    boolean feasible = expected >= 0 && expected <= maxElements;
    int capacity = feasible ? (int) expected : 0;
    if (type == DataType.BYTES) {
      this.strings = new byte[capacity][];
      this.buffer = null;
    } else {
      this.strings = null;
      this.buffer = Tensor.allocate(type, feasible ? capacity : 0);
    }
  }

  private String where() {
    return "input '" + name + "'";
  }

  private boolean storing() {
    return count < expected
        && (buffer == null ? count < strings.length : buffer.remaining() >= type.byteSize());
  }

  boolean isFp32() {
    return type == DataType.FP32;
  }

  /** A JSON integer that fits a long. */
  void integer(long value) {
    switch (type) {
      case BOOL -> throw bad("true or false");
      case BYTES -> throw bad("a string");
      case UINT8 -> range(value, 0, 255);
      case INT8 -> range(value, Byte.MIN_VALUE, Byte.MAX_VALUE);
      case UINT16 -> range(value, 0, 65535);
      case INT16 -> range(value, Short.MIN_VALUE, Short.MAX_VALUE);
      case UINT32 -> range(value, 0, 0xFFFFFFFFL);
      case INT32 -> range(value, Integer.MIN_VALUE, Integer.MAX_VALUE);
      case INT64 -> range(value, Long.MIN_VALUE, Long.MAX_VALUE);
      case UINT64 -> {
        if (value < 0) {
          throw outOfRange("UINT64 (0.." + UINT64_MAX + ")");
        }
        range(value, 0, Long.MAX_VALUE);
      }
      case FP32 -> putFloat(value);
      case FP64 -> putDouble(value);
      default -> throw new IllegalStateException("no JSON decoding for " + type);
    }
  }

  /** A JSON integer beyond the range of long. */
  void bigInteger(BigInteger value) {
    switch (type) {
      case BOOL -> throw bad("true or false");
      case BYTES -> throw bad("a string");
      case UINT64 -> {
        if (value.signum() < 0 || value.compareTo(UINT64_MAX) > 0) {
          throw outOfRange("UINT64 (0.." + UINT64_MAX + ")");
        }
        if (storing()) {
          buffer.putLong(value.longValue());
        }
        count++;
      }
      case FP32 -> putFloat(value.doubleValue());
      case FP64 -> putDouble(value.doubleValue());
      default -> throw outOfRange(rangeOf(type));
    }
  }

  /** A JSON number with a fraction or exponent. */
  void decimal(double value) {
    switch (type) {
      case BOOL -> throw bad("true or false");
      case BYTES -> throw bad("a string");
      case FP32 -> putFloat(value);
      case FP64 -> putDouble(value);
      default -> throw bad("an integer for " + type);
    }
  }

  /**
   * FP32 only: {@code n} finite floats, already narrowed, as {@code n} calls of {@link #decimal}
   * with them would write (the first ones that fit the shape are stored, all are counted).
   */
  void floats(float[] values, int n) {
    if (type != DataType.FP32) {
      throw new IllegalStateException("floats() on a " + type + " input");
    }
    long room = Math.min(expected - count, buffer.remaining() / Float.BYTES);
    int stored = (int) Math.max(0, Math.min(n, room));
    if (stored > 0) {
      buffer.asFloatBuffer().put(values, 0, stored);
      buffer.position(buffer.position() + stored * Float.BYTES);
    }
    count += n;
  }

  void bool(boolean value) {
    if (type != DataType.BOOL) {
      throw bad(type == DataType.BYTES ? "a string" : "a number");
    }
    if (storing()) {
      buffer.put((byte) (value ? 1 : 0));
    }
    count++;
  }

  void string(String value) {
    if (type != DataType.BYTES) {
      throw bad(type == DataType.BOOL ? "true or false" : "a number");
    }
    if (storing()) {
      strings[(int) count] = value.getBytes(StandardCharsets.UTF_8);
    }
    count++;
  }

  /** A null or an object where an element should be. */
  void invalid() {
    throw bad(
        type == DataType.BOOL ? "true or false" : type == DataType.BYTES ? "a string" : "a number");
  }

  Tensor finish() {
    if (count != expected) {
      throw ServingException.invalidArgument(
          where()
              + " has "
              + count
              + " elements in 'data' but its shape "
              + Shape.format(shape)
              + " needs "
              + (expected < 0 ? "more than 2^63" : Long.toString(expected)));
    }
    if (type == DataType.BYTES) {
      return Tensor.ofBytes(shape, strings);
    }
    buffer.flip();
    return Tensor.of(type, shape, buffer);
  }

  private void range(long value, long min, long max) {
    if (value < min || value > max) {
      throw outOfRange(type + " (" + min + ".." + max + ")");
    }
    if (storing()) {
      switch (type.byteSize()) {
        case 1 -> buffer.put((byte) value);
        case 2 -> buffer.putShort((short) value);
        case 4 -> buffer.putInt((int) value);
        default -> buffer.putLong(value);
      }
    }
    count++;
  }

  private void putFloat(double value) {
    float narrowed = (float) value;
    if (Float.isInfinite(narrowed)) {
      throw outOfRange("FP32 (magnitude up to 3.4028235e38)");
    }
    if (storing()) {
      buffer.putFloat(narrowed);
    }
    count++;
  }

  private void putDouble(double value) {
    if (Double.isInfinite(value)) {
      throw outOfRange("FP64");
    }
    if (storing()) {
      buffer.putDouble(value);
    }
    count++;
  }

  private static String rangeOf(DataType type) {
    return switch (type) {
      case UINT8 -> "UINT8 (0..255)";
      case INT8 -> "INT8 (-128..127)";
      case UINT16 -> "UINT16 (0..65535)";
      case INT16 -> "INT16 (-32768..32767)";
      case UINT32 -> "UINT32 (0..4294967295)";
      case INT32 -> "INT32 (-2147483648..2147483647)";
      default -> "INT64 (" + Long.MIN_VALUE + ".." + Long.MAX_VALUE + ")";
    };
  }

  private ServingException bad(String expectedKind) {
    return ServingException.invalidArgument(
        where() + " element " + count + " is " + shortText() + "; expected " + expectedKind);
  }

  private ServingException outOfRange(String range) {
    return ServingException.invalidArgument(
        where() + " element " + count + " value " + shortText() + " is out of range for " + range);
  }

  private String shortText() {
    String text = valueText.text();
    return text.length() > 40 ? text.substring(0, 40) + "..." : text;
  }
}
