package org.modelserver.server.rest.json;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;

/**
 * Decodes a {@link NumericSpans.Span} (a {@code data} array of JSON numbers) straight from the
 * request bytes into the tensor's buffer, with the same values, checks and messages as the token
 * path of {@link TensorJsonDecoder}: integers go to {@link ElementWriter#integer} (or {@code
 * bigInteger} beyond a long), numbers with a fraction or exponent to {@link ElementWriter#decimal},
 * parsed to float for FP32 (one rounding, as Jackson's {@code getFloatValue}) and to double
 * otherwise.
 *
 * <p>Numbers are converted exactly: a decimal with at most 7 significant digits and a power of ten
 * up to 10 (FP32), or 15 digits and 22 (otherwise), is one correctly rounded IEEE division or
 * multiplication of two exactly representable values; any other goes through the JDK's parser.
 */
final class SpanDecoder {
  private static final float[] FLOAT_POWERS = new float[11];
  private static final double[] DOUBLE_POWERS = new double[23];

  static {
    FLOAT_POWERS[0] = 1f;
    for (int i = 1; i < FLOAT_POWERS.length; i++) {
      FLOAT_POWERS[i] = FLOAT_POWERS[i - 1] * 10f;
    }
    DOUBLE_POWERS[0] = 1d;
    for (int i = 1; i < DOUBLE_POWERS.length; i++) {
      DOUBLE_POWERS[i] = DOUBLE_POWERS[i - 1] * 10d;
    }
  }

  private SpanDecoder() {}

  static Tensor decode(
      String name, DataType type, long[] shape, NumericSpans.Span span, long maxElements) {
    byte[] body = span.body();
    int[] current = {span.start(), span.start()};
    ElementWriter writer =
        new ElementWriter(
            name,
            type,
            shape,
            maxElements,
            () -> new String(body, current[0], current[1] - current[0], StandardCharsets.US_ASCII));
    Floats floats = writer.isFp32() ? new Floats(writer) : null;
    int k = span.start();
    int end = span.end();
    while (k < end) {
      byte c = body[k];
      if (c == '-' || (c >= '0' && c <= '9')) {
        current[0] = k;
        k = number(body, k, floats, writer, current);
      } else {
        k++; // brackets, commas and whitespace, checked by NumericSpans
      }
    }
    if (floats != null) {
      floats.flush();
    }
    return writer.finish();
  }

  /**
   * Writes the number at {@code from} (valid JSON, checked by {@link NumericSpans}) and returns the
   * index after it; {@code current[1]} is set to that index before the writer sees the value.
   */
  private static int number(
      byte[] body, int from, Floats floats, ElementWriter writer, int[] current) {
    int k = from;
    boolean negative = body[k] == '-';
    if (negative) {
      k++;
    }
    long mantissa = 0;
    int digits = 0;
    int exponent = 0;
    boolean integral = true;
    for (; body[k] >= '0' && body[k] <= '9'; k++) {
      if (digits < 19) {
        mantissa = mantissa * 10 + (body[k] - '0');
        if (mantissa != 0) {
          digits++;
        }
      } else {
        digits++;
        exponent++;
      }
    }
    if (body[k] == '.') {
      integral = false;
      for (k++; body[k] >= '0' && body[k] <= '9'; k++) {
        if (digits < 19) {
          mantissa = mantissa * 10 + (body[k] - '0');
          exponent--;
          if (mantissa != 0) {
            digits++;
          }
        } else {
          digits++;
        }
      }
    }
    if (body[k] == 'e' || body[k] == 'E') {
      integral = false;
      k++;
      boolean negativeExponent = body[k] == '-';
      if (body[k] == '-' || body[k] == '+') {
        k++;
      }
      int value = 0;
      for (; body[k] >= '0' && body[k] <= '9'; k++) {
        value = Math.min(value * 10 + (body[k] - '0'), 100_000);
      }
      exponent += negativeExponent ? -value : value;
    }
    // A number is always followed by ',', ']' or whitespace inside its span (NumericSpans).
    int to = k;
    current[1] = to;
    if (integral) {
      if (floats != null) {
        floats.flush(); // the integer path writes one element at a time, in order
      }
      if (digits <= 18) {
        writer.integer(negative ? -mantissa : mantissa);
        return to;
      } else {
        // As Jackson: a long when it fits, a BigInteger beyond.
        BigInteger value =
            new BigInteger(new String(body, from, to - from, StandardCharsets.US_ASCII));
        if (value.bitLength() < 64) {
          writer.integer(value.longValue());
        } else {
          writer.bigInteger(value);
        }
      }
      return to;
    }
    if (floats != null) {
      float value;
      if (digits <= 7 && exponent >= -10 && exponent <= 10) {
        value =
            exponent < 0
                ? (float) mantissa / FLOAT_POWERS[-exponent]
                : (float) mantissa * FLOAT_POWERS[exponent];
        value = negative ? -value : value;
      } else {
        value = Float.parseFloat(new String(body, from, to - from, StandardCharsets.US_ASCII));
      }
      if (Float.isInfinite(value)) {
        floats.flush();
        writer.decimal(value); // reports the element out of range
      } else {
        floats.add(value);
      }
    } else {
      double value;
      if (digits <= 15 && exponent >= -22 && exponent <= 22) {
        value =
            exponent < 0
                ? (double) mantissa / DOUBLE_POWERS[-exponent]
                : (double) mantissa * DOUBLE_POWERS[exponent];
      } else {
        value = Double.parseDouble(new String(body, from, to - from, StandardCharsets.US_ASCII));
        writer.decimal(value);
        return to;
      }
      writer.decimal(negative ? -value : value);
    }
    return to;
  }

  /** FP32 values gathered in chunks and written to the buffer in bulk. */
  private static final class Floats {
    private final ElementWriter writer;
    private final float[] chunk = new float[4096];
    private int size;

    Floats(ElementWriter writer) {
      this.writer = writer;
    }

    void add(float value) {
      chunk[size++] = value;
      if (size == chunk.length) {
        flush();
      }
    }

    void flush() {
      if (size > 0) {
        writer.floats(chunk, size);
        size = 0;
      }
    }
  }
}
