package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.modelserver.runtime.testsupport.ReferenceJson;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The binary tensor data extension and the classification extension over REST: binary inputs and
 * outputs give exactly what JSON gives, for every example model.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "model-repository=${modelserver.test.repo:../model-repo}")
class BinaryExtensionTest {
  @LocalServerPort int port;
  HttpTestClient http;

  @BeforeEach
  void client() {
    http = new HttpTestClient(port);
  }

  static Stream<JsonNode> referenceCases() {
    List<JsonNode> cases = new ArrayList<>();
    for (ReferenceJson reference : ReferenceJson.all()) {
      ((ObjectNode) reference.testCase()).put("model", reference.model());
      cases.add(reference.testCase());
    }
    return cases.stream();
  }

  /** Encodes a JSON input's data in the extension's binary form. */
  static byte[] encode(JsonNode input) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String type = input.get("datatype").stringValue();
    ByteBuffer element = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    for (JsonNode value : input.get("data")) {
      element.clear();
      switch (type) {
        case "BOOL" -> element.put((byte) (value.booleanValue() ? 1 : 0));
        case "UINT8", "INT8" -> element.put((byte) value.longValue());
        case "INT16" -> element.putShort((short) value.longValue());
        case "INT32" -> element.putInt((int) value.longValue());
        case "INT64" -> element.putLong(value.longValue());
        case "FP32" -> element.putFloat(value.floatValue());
        case "FP64" -> element.putDouble(value.doubleValue());
        case "BYTES" -> {
          byte[] bytes = value.stringValue().getBytes(StandardCharsets.UTF_8);
          element.putInt(bytes.length);
          out.write(element.array(), 0, 4);
          out.writeBytes(bytes);
          continue;
        }
        default -> throw new IllegalArgumentException(type);
      }
      out.write(element.array(), 0, element.position());
    }
    return out.toByteArray();
  }

  /** The request with every input's data moved to the binary part. */
  static byte[][] binaryRequest(JsonNode request, boolean binaryOutputs) {
    ObjectNode header = (ObjectNode) request.deepCopy();
    ByteArrayOutputStream binary = new ByteArrayOutputStream();
    for (JsonNode input : header.get("inputs")) {
      byte[] bytes = encode(input);
      ((ObjectNode) input).remove("data");
      ((ObjectNode) input).putObject("parameters").put("binary_data_size", bytes.length);
      binary.writeBytes(bytes);
    }
    if (binaryOutputs) {
      header.putObject("parameters").put("binary_data_output", true);
    }
    return new byte[][] {HttpTestClient.JSON.writeValueAsBytes(header), binary.toByteArray()};
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] all = new byte[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("referenceCases")
  void binaryInputsAndOutputsEqualJson(JsonNode testCase) {
    String path =
        "/v2/models/"
            + testCase.get("model").stringValue()
            + "/versions/"
            + testCase.get("version").stringValue()
            + "/infer";
    JsonNode json = http.post(path, testCase.get("request")).json();
    byte[][] parts = binaryRequest(testCase.get("request"), true);
    HttpTestClient.BinaryReply reply =
        http.postBinary(path, concat(parts[0], parts[1]), parts[0].length);
    assertThat(reply.status()).as(new String(reply.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    assertThat(reply.contentType()).startsWith("application/octet-stream");
    assertThat(reply.headerLength()).isPositive();
    ByteBuffer binary = reply.binary();
    JsonNode outputs = reply.json().get("outputs");
    for (int i = 0; i < outputs.size(); i++) {
      JsonNode output = outputs.get(i);
      JsonNode expected = json.get("outputs").get(i);
      assertThat(output.get("name")).isEqualTo(expected.get("name"));
      assertThat(output.get("shape")).isEqualTo(expected.get("shape"));
      assertThat(output.has("data")).isFalse();
      byte[] encoded = encode(expected);
      assertThat(output.get("parameters").get("binary_data_size").intValue())
          .isEqualTo(encoded.length);
      byte[] got = new byte[encoded.length];
      binary.get(got);
      assertThat(got).as(output.get("name").stringValue()).isEqualTo(encoded);
    }
    assertThat(binary.hasRemaining()).isFalse();
  }

  @Test
  void oneOutputBinaryTheOtherJson() {
    String request =
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]},"
            + "{\"name\":\"k\",\"shape\":[1,4],\"datatype\":\"INT64\",\"data\":[1,0,2,1]}],"
            + "\"outputs\":[{\"name\":\"scaled\",\"parameters\":{\"binary_data\":true}},"
            + "{\"name\":\"index\"}]}";
    byte[] body = request.getBytes(StandardCharsets.UTF_8);
    HttpTestClient.BinaryReply reply =
        http.postBinary("/v2/models/mixed_io/infer", body, body.length);
    assertThat(reply.status()).isEqualTo(200);
    JsonNode outputs = reply.json().get("outputs");
    assertThat(outputs.get(0).get("parameters").get("binary_data_size").intValue()).isEqualTo(16);
    assertThat(outputs.get(1).get("data").toString()).isEqualTo("[2]");
    ByteBuffer scaled = reply.binary();
    assertThat(scaled.getFloat()).isCloseTo(1.5f, within(1e-6f));
    assertThat(scaled.getFloat()).isCloseTo(0.5f, within(1e-6f));
    assertThat(scaled.getFloat()).isCloseTo(6.5f, within(1e-6f));
    assertThat(scaled.getFloat()).isCloseTo(4.5f, within(1e-6f));
  }

  @Test
  void rawBodyWithHeaderLengthZeroFeedsASingleInputModel() {
    ByteBuffer raw = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 8; i++) {
      raw.putFloat(i * 0.5f);
    }
    HttpTestClient.BinaryReply reply =
        http.postBinary("/v2/models/classifier/infer", raw.array(), 0);
    assertThat(reply.status()).as(new String(reply.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    JsonNode output = reply.json().get("outputs").get(0);
    assertThat(output.get("shape").toString()).isEqualTo("[2,3]");
    assertThat(output.get("parameters").get("binary_data_size").intValue()).isEqualTo(24);
  }

  @Test
  void rawBodyThatIsNotWholeRowsIs400() {
    HttpTestClient.BinaryReply reply =
        http.postBinary("/v2/models/classifier/infer", new byte[30], 0);
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().get("error").stringValue()).contains("30 bytes").contains("16 bytes");
  }

  @Test
  void rawBodyForAModelWithSeveralInputsIs400() {
    HttpTestClient.BinaryReply reply =
        http.postBinary("/v2/models/mixed_io/infer", new byte[32], 0);
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().get("error").stringValue()).contains("one input");
  }

  private String binaryError(String header, byte[] binary, int headerLength) {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    HttpTestClient.BinaryReply reply =
        http.postBinary(
            "/v2/models/classifier/infer",
            concat(json, binary),
            headerLength == Integer.MIN_VALUE ? json.length : headerLength);
    assertThat(reply.status()).as(new String(reply.body(), StandardCharsets.UTF_8)).isEqualTo(400);
    return reply.json().get("error").stringValue();
  }

  private static String featuresHeader(long size) {
    return "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\","
        + "\"parameters\":{\"binary_data_size\":"
        + size
        + "}}]}";
  }

  @Test
  void binarySizeNotMatchingTheShapeIs400() {
    assertThat(binaryError(featuresHeader(12), new byte[12], Integer.MIN_VALUE))
        .contains("binary_data_size 12")
        .contains("needs 16");
  }

  @Test
  void binarySizeBeyondTheBodyIs400() {
    assertThat(binaryError(featuresHeader(16), new byte[8], Integer.MIN_VALUE))
        .contains("only 8 bytes");
  }

  @Test
  void leftoverBinaryBytesAre400() {
    assertThat(binaryError(featuresHeader(16), new byte[20], Integer.MIN_VALUE))
        .contains("4 bytes of binary data beyond");
  }

  @Test
  void binaryInputWithoutTheHeaderIs400() {
    HttpTestClient.Reply reply = http.post("/v2/models/classifier/infer", featuresHeader(16));
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).contains("Inference-Header-Content-Length");
  }

  @Test
  void headerLengthLargerThanTheBodyIs400() {
    assertThat(binaryError(featuresHeader(16), new byte[16], 5000)).contains("larger than");
  }

  @Test
  void malformedHeaderLengthIs400() {
    HttpTestClient.Reply reply =
        http.send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://localhost:" + port + "/v2/models/classifier/infer"))
                .header("Inference-Header-Content-Length", "ten")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")));
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).contains("Inference-Header-Content-Length").contains("'ten'");
  }

  @Test
  void dataAndBinarySizeTogetherAre400() {
    String header =
        "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\","
            + "\"data\":[1,2,3,4],\"parameters\":{\"binary_data_size\":16}}]}";
    assertThat(binaryError(header, new byte[16], Integer.MIN_VALUE)).contains("both 'data'");
  }

  @Test
  void bytesLengthPrefixBeyondTheDataIs400() {
    ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(100).putInt(0);
    String header =
        "{\"inputs\":[{\"name\":\"bytes_in\",\"shape\":[1,1],\"datatype\":\"BYTES\","
            + "\"parameters\":{\"binary_data_size\":8}}]}";
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    HttpTestClient.BinaryReply reply =
        http.postBinary(
            "/v2/models/identity_types/infer", concat(json, bytes.array()), json.length);
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().get("error").stringValue()).contains("ends inside BYTES element 0");
  }

  @Test
  void classificationReturnsTopClassesWithLabels() {
    String request =
        "{\"inputs\":[{\"name\":\"features\",\"shape\":[2,4],\"datatype\":\"FP32\","
            + "\"data\":[1,2,3,4,0.5,0.1,0.2,0.3]}],"
            + "\"outputs\":[{\"name\":\"probabilities\",\"parameters\":{\"classification\":2}}]}";
    JsonNode probabilities =
        http.post(
                "/v2/models/classifier/infer",
                request.replace(",\"parameters\":{\"classification\":2}", ""))
            .json()
            .get("outputs")
            .get(0)
            .get("data");
    HttpTestClient.Reply reply = http.post("/v2/models/classifier/infer", request);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    JsonNode output = reply.json().get("outputs").get(0);
    assertThat(output.get("datatype").stringValue()).isEqualTo("BYTES");
    assertThat(output.get("shape").toString()).isEqualTo("[2,2]");
    String[] labels = {"setosa", "versicolor", "virginica"};
    for (int row = 0; row < 2; row++) {
      int best = 0;
      for (int c = 1; c < 3; c++) {
        if (probabilities.get(row * 3 + c).doubleValue()
            > probabilities.get(row * 3 + best).doubleValue()) {
          best = c;
        }
      }
      String[] top = output.get("data").get(row * 2).stringValue().split(":");
      assertThat(Double.parseDouble(top[0]))
          .isCloseTo(probabilities.get(row * 3 + best).doubleValue(), within(1e-5));
      assertThat(top[1]).isEqualTo(Integer.toString(best));
      assertThat(top[2]).isEqualTo(labels[best]);
    }
  }

  @Test
  void classificationOfAnUnrequestedOrInvalidCountIs400() {
    String request =
        "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\","
            + "\"data\":[1,2,3,4]}],"
            + "\"outputs\":[{\"name\":\"probabilities\",\"parameters\":{\"classification\":0}}]}";
    HttpTestClient.Reply reply = http.post("/v2/models/classifier/infer", request);
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).contains("classification").contains("positive integer");
  }

  /** FP16 1.0, -2.5, 65504 and BF16 1.0, -2.0, 0.5, as their little-endian bits. */
  static final short[] FP16_BITS = {0x3C00, (short) 0xC100, 0x7BFF};

  static final short[] BF16_BITS = {0x3F80, (short) 0xC000, 0x3F00};

  static byte[] halfBody(boolean binaryOutputs) {
    ByteBuffer raw = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    for (short bits : FP16_BITS) {
      raw.putShort(bits);
    }
    for (short bits : BF16_BITS) {
      raw.putShort(bits);
    }
    String header =
        "{\"inputs\":[{\"name\":\"fp16_in\",\"shape\":[1,3],\"datatype\":\"FP16\","
            + "\"parameters\":{\"binary_data_size\":6}},"
            + "{\"name\":\"bf16_in\",\"shape\":[1,3],\"datatype\":\"BF16\","
            + "\"parameters\":{\"binary_data_size\":6}}]"
            + (binaryOutputs ? ",\"parameters\":{\"binary_data_output\":true}" : "")
            + "}";
    return concat(header.getBytes(StandardCharsets.UTF_8), raw.array());
  }

  static int headerLength(byte[] body) {
    return body.length - 12;
  }

  @Test
  void halfFloatsTravelInBinaryBothWays() {
    byte[] body = halfBody(true);
    HttpTestClient.BinaryReply reply =
        http.postBinary("/v2/models/identity_half/infer", body, headerLength(body));
    assertThat(reply.status()).as(new String(reply.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    JsonNode outputs = reply.json().get("outputs");
    assertThat(outputs.get(0).get("datatype").stringValue()).isEqualTo("FP16");
    assertThat(outputs.get(1).get("datatype").stringValue()).isEqualTo("BF16");
    ByteBuffer binary = reply.binary();
    for (short bits : FP16_BITS) {
      assertThat(binary.getShort()).isEqualTo(bits);
    }
    for (short bits : BF16_BITS) {
      assertThat(binary.getShort()).isEqualTo(bits);
    }
  }

  @Test
  void halfFloatOutputsAsJsonAreNumbers() {
    byte[] body = halfBody(false);
    HttpTestClient.BinaryReply reply =
        http.postBinary("/v2/models/identity_half/infer", body, headerLength(body));
    assertThat(reply.status()).isEqualTo(200);
    JsonNode outputs = reply.json().get("outputs");
    assertThat(outputs.get(0).get("data").toString()).isEqualTo("[1.0,-2.5,65504.0]");
    assertThat(outputs.get(1).get("data").toString()).isEqualTo("[1.0,-2.0,0.5]");
  }
}
