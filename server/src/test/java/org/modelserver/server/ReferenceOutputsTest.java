package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.modelserver.runtime.testsupport.ReferenceJson;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * For every example model, the server's outputs over HTTP equal the outputs PyTorch computed for
 * the same inputs ({@code model-repo/<model>/reference.json}).
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "model-repository=${modelserver.test.repo:../model-repo}")
class ReferenceOutputsTest {
  private static final float FP32_TOLERANCE = 1e-5f;

  @LocalServerPort int port;

  static Stream<Arguments> referenceCases() {
    List<Arguments> cases = new ArrayList<>();
    for (ReferenceJson reference : ReferenceJson.all()) {
      cases.add(
          Arguments.of(
              reference.model(), reference.version(), reference.id(), reference.testCase()));
    }
    assertThat(cases).as("reference cases in model-repo").hasSizeGreaterThanOrEqualTo(4);
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} v{1} {2}")
  @MethodSource("referenceCases")
  void outputsMatchPyTorch(String model, String version, String id, JsonNode testCase) {
    HttpTestClient.Reply reply =
        new HttpTestClient(port)
            .post(
                "/v2/models/" + model + "/versions/" + version + "/infer", testCase.get("request"));

    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    JsonNode body = reply.json();
    assertThat(body.get("model_name").stringValue()).isEqualTo(model);
    assertThat(body.get("model_version").stringValue()).isEqualTo(version);
    assertThat(body.get("id").stringValue()).isEqualTo(id);
    JsonNode expectedOutputs = testCase.get("response").get("outputs");
    assertThat(body.get("outputs").size()).isEqualTo(expectedOutputs.size());
    for (JsonNode expected : expectedOutputs) {
      JsonNode actual = find(body.get("outputs"), expected.get("name").stringValue());
      assertOutputEquals(expected, actual);
    }
  }

  private static JsonNode find(JsonNode outputs, String name) {
    for (JsonNode output : outputs) {
      if (output.get("name").stringValue().equals(name)) {
        return output;
      }
    }
    throw new AssertionError("output " + name + " missing from " + outputs);
  }

  private static void assertOutputEquals(JsonNode expected, JsonNode actual) {
    String name = expected.get("name").stringValue();
    String datatype = expected.get("datatype").stringValue();
    assertThat(actual.get("datatype").stringValue()).as(name).isEqualTo(datatype);
    assertThat(actual.get("shape")).as(name).isEqualTo(expected.get("shape"));
    JsonNode want = expected.get("data");
    JsonNode got = actual.get("data");
    assertThat(got.size()).as(name + " element count").isEqualTo(want.size());
    for (int i = 0; i < want.size(); i++) {
      String where = name + "[" + i + "]";
      switch (datatype) {
        case "FP32" ->
            // Compared as float32, so values near the FP32 limits are judged in FP32 units.
            assertThat(got.get(i).floatValue())
                .as(where)
                .isCloseTo(want.get(i).floatValue(), within(FP32_TOLERANCE));
        case "FP64" ->
            assertThat(got.get(i).doubleValue()).as(where).isEqualTo(want.get(i).doubleValue());
        case "BOOL" ->
            assertThat(got.get(i).booleanValue()).as(where).isEqualTo(want.get(i).booleanValue());
        case "BYTES" ->
            assertThat(got.get(i).stringValue()).as(where).isEqualTo(want.get(i).stringValue());
        default -> assertThat(got.get(i).longValue()).as(where).isEqualTo(want.get(i).longValue());
      }
    }
  }
}
