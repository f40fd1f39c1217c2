package org.modelserver.server.rest.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.inference.InferenceRequest;
import org.modelserver.runtime.tensor.Tensor;

/**
 * The byte-level decoding of large numeric {@code data} arrays gives exactly what Jackson's token
 * path gives: the same tensors, bit for bit, and the same error messages, for the same bodies.
 */
class NumericSpansTest {
  private final InferRequestReader fast = new InferRequestReader(true);
  private final InferRequestReader jackson = new InferRequestReader(false);

  /** Numbers written every way JSON allows. */
  private static String number(Random random, String datatype) {
    boolean integral = datatype.startsWith("INT") || datatype.startsWith("UINT");
    if (integral || random.nextInt(10) == 0) {
      long bound =
          datatype.equals("INT8") ? 128 : datatype.equals("INT64") ? Long.MAX_VALUE : 1L << 31;
      long value = random.nextInt(20) == 0 ? random.nextLong() % bound : random.nextInt(1000);
      return Long.toString(random.nextBoolean() ? value : -value);
    }
    return switch (random.nextInt(9)) {
      case 0 -> Float.toString(random.nextFloat() * 10 - 5); // e.g. 3.1234567 or 1.0E-4
      case 1 -> Double.toString(random.nextGaussian() * 1e-30);
      case 2 -> String.format("%.3f", random.nextDouble()); // the benchmark's bodies
      case 3 -> "-0.0";
      case 4 -> random.nextInt(1000) + "e" + (random.nextInt(60) - 30);
      case 5 -> "0." + "0".repeat(random.nextInt(12)) + (1 + random.nextInt(999_999_999));
      case 6 ->
          (random.nextInt(900) + 100) + "." + random.nextInt(10_000) + "E+" + random.nextInt(5);
      case 7 -> "12345678901234567890.5"; // beyond 19 digits
      default -> Double.toString(random.nextDouble() * (random.nextInt(500) == 0 ? 1e300 : 1e30));
    };
  }

  private static String array(Random random, String datatype, int count, boolean nested) {
    StringBuilder data = new StringBuilder("[");
    int row = nested ? 1 + random.nextInt(8) : count;
    for (int i = 0; i < count; i++) {
      if (nested && i % row == 0) {
        data.append(i == 0 ? "" : "],").append(i == 0 ? "" : "\n ").append('[');
      } else if (i > 0) {
        data.append(random.nextInt(4) == 0 ? " , " : ",");
      }
      data.append(number(random, datatype));
    }
    if (nested) {
      data.append(']');
    }
    return data.append(']').toString();
  }

  private static byte[] request(String datatype, long[] shape, String data, boolean dataFirst) {
    String shapeText = java.util.Arrays.toString(shape).replace(" ", "");
    String fields =
        dataFirst
            ? "\"data\": "
                + data
                + ", \"name\": \"x\", \"shape\": "
                + shapeText
                + ", \"datatype\": \""
                + datatype
                + "\""
            : "\"name\": \"x\", \"shape\": "
                + shapeText
                + ", \"datatype\": \""
                + datatype
                + "\", \"data\": "
                + data;
    String body =
        "{\"id\": \"a [\\\"data\\\": [1]\", \"parameters\": {\"data\": \"[1, 2, 3]\"},"
            + " \"inputs\": [{"
            + fields
            + "}], \"outputs\": [{\"name\": \"y\"}]}";
    return body.getBytes(StandardCharsets.UTF_8);
  }

  private record Outcome(Tensor tensor, String error, Map<String, Object> parameters) {}

  private static Outcome read(InferRequestReader reader, byte[] body) {
    try {
      InferenceRequest request = reader.read("m", Optional.empty(), body);
      return new Outcome(request.inputs().get("x"), null, request.parameters());
    } catch (ServingException e) {
      return new Outcome(null, e.getMessage(), null);
    }
  }

  private void assertSame(byte[] body) {
    Outcome a = read(fast, body);
    Outcome b = read(jackson, body);
    assertThat(normalized(a.error())).isEqualTo(normalized(b.error()));
    if (b.tensor() != null) {
      assertThat(a.tensor().dataType()).isEqualTo(b.tensor().dataType());
      assertThat(a.tensor().shape()).isEqualTo(b.tensor().shape());
      assertThat(bytes(a.tensor().data())).isEqualTo(bytes(b.tensor().data()));
      assertThat(a.parameters()).isEqualTo(b.parameters());
    }
  }

  /**
   * An error message with the offending number in one form: Jackson prints a decimal it has parsed
   * in Java's form (2.85E8), the byte path as the client wrote it (285e6).
   */
  private static String normalized(String message) {
    if (message == null) {
      return null;
    }
    java.util.regex.Matcher number =
        java.util.regex.Pattern.compile("(?<=(?: is | value ))(-?[0-9][0-9.eE+-]*)")
            .matcher(message);
    StringBuilder out = new StringBuilder();
    while (number.find()) {
      String text = number.group(1);
      try {
        text = Double.toString(Double.parseDouble(text));
      } catch (NumberFormatException e) {
        // not a number after all (e.g. "1." from Jackson's own message): keep it
      }
      number.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(text));
    }
    return number.appendTail(out).toString();
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] out = new byte[copy.remaining()];
    copy.get(out);
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"FP32", "FP64", "INT32", "INT64", "INT8", "UINT8", "BOOL", "BYTES"})
  void randomLargeBodiesDecodeAsJacksonDoes(String datatype) {
    Random random = new Random(datatype.hashCode());
    for (int round = 0; round < 40; round++) {
      int count = 6000 + random.nextInt(3000);
      boolean nested = random.nextBoolean();
      String data = array(random, datatype, count, nested);
      long[] shape = random.nextInt(8) == 0 ? new long[] {1, count + 1} : new long[] {1, count};
      byte[] body = request(datatype, shape, data, random.nextInt(4) == 0);
      assertThat(body.length).isGreaterThan(NumericSpans.MIN_BODY_LENGTH);
      assertSame(body);
    }
  }

  @Test
  void theFastPathIsTakenForInputDataOnly() {
    byte[] body =
        request("FP32", new long[] {1, 5000}, "[" + "0.5, ".repeat(4999) + "1e-3]", false);
    NumericSpans spans = NumericSpans.find(body, body.length);
    String text = new String(spans.text(body), StandardCharsets.UTF_8);
    // The id string and the parameters' "data" are untouched; the input's data is blanked.
    assertThat(text)
        .contains("\"id\": \"a [\\\"data\\\": [1]\"")
        .contains("{\"data\": \"[1, 2, 3]\"}");
    assertThat(text).containsPattern("\"data\": \\[ {1000,}\\]");
    InferenceRequest request = fast.read("m", Optional.empty(), body);
    assertThat(request.parameters()).containsKey("data");
    assertThat(request.inputs().get("x").floats()).hasSize(5000);
  }

  @Test
  void arraysWithAnythingButNumbersAreLeftToJackson() {
    List<String> odd =
        List.of(
            "[1, \"2\"]",
            "[true, 1]",
            "[1, null]",
            "[01]",
            "[1.]",
            "[-]",
            "[1e]",
            "[1,]",
            "[,1]",
            "[1 2]",
            "[[1], {}]",
            "[.5]",
            "[+1]",
            "[NaN]",
            "[1" + "0".repeat(80) + "]");
    for (String head : odd) {
      String data = head.substring(0, head.length() - 1) + ", " + "0.5, ".repeat(4000) + "0.5]";
      byte[] body = request("FP32", new long[] {1, 4002}, data, false);
      NumericSpans spans = NumericSpans.find(body, body.length);
      assertThat(spans.text(body)).as(head).isSameAs(body);
      assertSame(body);
    }
  }

  @Test
  void errorsNameTheSameElementAndValue() {
    String data = "[" + "1, ".repeat(5000) + "300]";
    byte[] body = request("INT8", new long[] {1, 5001}, data, false);
    assertThatThrownBy(() -> fast.read("m", Optional.empty(), body))
        .hasMessage("input 'x' element 5000 value 300 is out of range for INT8 (-128..127)");
    byte[] decimals =
        request("INT32", new long[] {1, 5001}, "[" + "1, ".repeat(5000) + "2.5]", false);
    assertThatThrownBy(() -> fast.read("m", Optional.empty(), decimals))
        .hasMessage("input 'x' element 5000 is 2.5; expected an integer for INT32");
    byte[] count = request("FP32", new long[] {2, 5001}, "[" + "1.5, ".repeat(5000) + "2.5]", true);
    assertThatThrownBy(() -> fast.read("m", Optional.empty(), count))
        .hasMessageContaining("has 5001 elements in 'data' but its shape [2,5001] needs 10002");
  }

  @Test
  void malformedJsonAroundASpanIsReportedAsBefore() {
    String data = "[" + "0.25, ".repeat(5000) + "0.5]";
    List<byte[]> bodies = new ArrayList<>();
    String good =
        new String(request("FP32", new long[] {1, 5001}, data, false), StandardCharsets.UTF_8);
    bodies.add(
        (good.substring(0, good.length() - 1)).getBytes(StandardCharsets.UTF_8)); // truncated
    bodies.add(good.replace("\"outputs\"", "\"outputs\" \"x\"").getBytes(StandardCharsets.UTF_8));
    bodies.add(good.replace("0.5]}]", "0.5]]}]").getBytes(StandardCharsets.UTF_8));
    bodies.add(
        good.replace("\"name\": \"x\"", "\"name\": \"x\", \"data\": [1]")
            .getBytes(StandardCharsets.UTF_8));
    bodies.add((good + " {").getBytes(StandardCharsets.UTF_8));
    for (byte[] body : bodies) {
      Outcome outcome = read(fast, body);
      assertThat(outcome.error()).isNotNull();
      assertSame(body);
    }
  }
}
