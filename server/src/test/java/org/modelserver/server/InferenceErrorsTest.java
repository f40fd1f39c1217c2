package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Every client mistake gets a 4xx with an {@code {"error": ...}} body naming what was wrong and
 * what was expected; none gets a 500.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "model-repository=${modelserver.test.repo:../model-repo}")
class InferenceErrorsTest {
  private static final String CLASSIFIER = "/v2/models/classifier/infer";
  private static final String MIXED = "/v2/models/mixed_io/infer";

  @LocalServerPort int port;
  HttpTestClient http;

  @BeforeEach
  void client() {
    http = new HttpTestClient(port);
  }

  private static String features(String shape, String datatype, String data) {
    return "{\"inputs\":[{\"name\":\"features\",\"shape\":"
        + shape
        + ",\"datatype\":\""
        + datatype
        + "\",\"data\":"
        + data
        + "}]}";
  }

  private String badRequest(String path, String body) {
    HttpTestClient.Reply reply = http.post(path, body);
    assertThat(reply.status()).as(reply.body()).isEqualTo(400);
    assertThat(reply.contentType()).startsWith("application/json");
    return reply.error();
  }

  @Test
  void validRequestSucceeds() {
    HttpTestClient.Reply reply = http.post(CLASSIFIER, features("[1,4]", "FP32", "[1,2,3,4]"));
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().get("model_version").stringValue()).isEqualTo("2");
  }

  @Test
  void nestedDataIsAccepted() {
    HttpTestClient.Reply reply =
        http.post(CLASSIFIER, features("[2,4]", "FP32", "[[1,2,3,4],[5,6,7,8]]"));
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().get("outputs").get(0).get("shape").toString()).isEqualTo("[2,3]");
  }

  @Test
  void malformedJson() {
    assertThat(badRequest(CLASSIFIER, "{\"inputs\": [")).contains("malformed JSON");
  }

  @Test
  void emptyBody() {
    assertThat(badRequest(CLASSIFIER, "")).contains("empty");
  }

  @Test
  void bodyThatIsNotAnObject() {
    assertThat(badRequest(CLASSIFIER, "[1,2]")).contains("JSON object");
  }

  @Test
  void duplicateJsonKeys() {
    assertThat(badRequest(CLASSIFIER, "{\"id\":\"a\",\"id\":\"b\",\"inputs\":[]}"))
        .contains("malformed JSON")
        .contains("id");
  }

  @Test
  void unknownTopLevelField() {
    assertThat(badRequest(CLASSIFIER, "{\"inputz\":[]}"))
        .contains("unknown field 'inputz'")
        .contains("inputs");
  }

  @Test
  void missingInputsField() {
    assertThat(badRequest(CLASSIFIER, "{\"id\":\"1\"}")).contains("'inputs' is required");
  }

  @Test
  void unknownFieldInInput() {
    assertThat(
            badRequest(
                CLASSIFIER,
                "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\","
                    + "\"data\":[1,2,3,4],\"colour\":1}]}"))
        .contains("unknown field 'colour'");
  }

  @Test
  void missingFieldInInput() {
    assertThat(
            badRequest(
                CLASSIFIER,
                "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}"))
        .contains("missing 'datatype'");
  }

  @Test
  void unknownInputName() {
    assertThat(
            badRequest(
                CLASSIFIER,
                "{\"inputs\":[{\"name\":\"featurez\",\"shape\":[1,4],\"datatype\":\"FP32\","
                    + "\"data\":[1,2,3,4]}]}"))
        .contains("unknown input 'featurez'")
        .contains("[features]");
  }

  @Test
  void missingInput() {
    assertThat(
            badRequest(
                MIXED,
                "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\","
                    + "\"data\":[1,2,3,4]}]}"))
        .contains("missing input 'k'");
  }

  @Test
  void duplicateInput() {
    String input =
        "{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}";
    assertThat(badRequest(CLASSIFIER, "{\"inputs\":[" + input + "," + input + "]}"))
        .contains("'features' appears twice");
  }

  @Test
  void shapeNotMatchingModelDims() {
    assertThat(badRequest(CLASSIFIER, features("[1,5]", "FP32", "[1,2,3,4,5]")))
        .contains("input 'features' has shape [1,5]")
        .contains("expects [-1,4]");
  }

  @Test
  void wrongRank() {
    assertThat(badRequest(CLASSIFIER, features("[4]", "FP32", "[1,2,3,4]")))
        .contains("shape [4]")
        .contains("[-1,4]");
  }

  @Test
  void datatypeMismatch() {
    assertThat(badRequest(CLASSIFIER, features("[1,4]", "FP64", "[1,2,3,4]")))
        .contains("datatype FP64")
        .contains("expects FP32");
  }

  @Test
  void unknownDatatype() {
    assertThat(badRequest(CLASSIFIER, features("[1,4]", "FLOAT", "[1,2,3,4]")))
        .contains("unknown datatype")
        .contains("FP32");
  }

  @Test
  void elementCountNotMatchingShape() {
    assertThat(badRequest(CLASSIFIER, features("[2,4]", "FP32", "[1,2,3,4]")))
        .contains("4 elements")
        .contains("needs 8");
  }

  @Test
  void hugeShapeIsRejectedWithoutAllocating() {
    // checked against the model's config before any tensor memory is reserved
    assertThat(badRequest(CLASSIFIER, features("[9223372036854775807,4]", "FP32", "[1,2,3,4]")))
        .contains("batch size 9223372036854775807")
        .contains("max_batch_size 32");
  }

  @Test
  void negativeShape() {
    assertThat(badRequest(CLASSIFIER, features("[-1,4]", "FP32", "[1,2,3,4]")))
        .contains("non-negative integers");
  }

  @Test
  void batchLargerThanMaxBatchSize() {
    StringBuilder data = new StringBuilder("[");
    for (int i = 0; i < 33 * 4; i++) {
      data.append(i == 0 ? "" : ",").append(i);
    }
    data.append(']');
    assertThat(badRequest(CLASSIFIER, features("[33,4]", "FP32", data.toString())))
        .contains("batch size 33")
        .contains("max_batch_size 32");
  }

  @Test
  void batchSizesDisagreeAcrossInputs() {
    assertThat(
            badRequest(
                MIXED,
                "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]},"
                    + "{\"name\":\"k\",\"shape\":[2,4],\"datatype\":\"INT64\",\"data\":[1,2,3,4,5,6,7,8]}]}"))
        .contains("batch size");
  }

  @Test
  void fp32ValueOutOfRange() {
    assertThat(badRequest(CLASSIFIER, features("[1,4]", "FP32", "[1,2,3,1e39]")))
        .contains("element 3")
        .contains("out of range for FP32");
  }

  @Test
  void stringWhereNumberExpected() {
    assertThat(badRequest(CLASSIFIER, features("[1,4]", "FP32", "[1,2,3,\"four\"]")))
        .contains("element 3")
        .contains("expected a number");
  }

  @Test
  void integerInputOutOfRange() {
    String body =
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]},"
            + "{\"name\":\"k\",\"shape\":[1,4],\"datatype\":\"INT64\",\"data\":[1,2,3,9223372036854775808]}]}";
    assertThat(badRequest(MIXED, body)).contains("out of range for INT64");
  }

  @Test
  void fractionalValueForIntegerInput() {
    String body =
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]},"
            + "{\"name\":\"k\",\"shape\":[1,4],\"datatype\":\"INT64\",\"data\":[1,2,3,4.5]}]}";
    assertThat(badRequest(MIXED, body)).contains("expected an integer for INT64");
  }

  @Test
  void smallIntegerTypesAreRangeChecked() {
    String body = identityRequest("\"int8_in\"", "[1,1]", "INT8", "[128]");
    assertThat(badRequest("/v2/models/identity_types/infer", body))
        .contains("input 'int8_in'")
        .contains("out of range for INT8 (-128..127)");
    String uint8 = identityRequest("\"uint8_in\"", "[1,1]", "UINT8", "[-1]");
    assertThat(badRequest("/v2/models/identity_types/infer", uint8))
        .contains("out of range for UINT8 (0..255)");
  }

  @Test
  void boolMustBeJsonBoolean() {
    String body = identityRequest("\"bool_in\"", "[1,1]", "BOOL", "[1]");
    assertThat(badRequest("/v2/models/identity_types/infer", body)).contains("true or false");
  }

  @Test
  void fp16CannotBeSentAsJson() {
    // the model's own datatype is checked first, before the data is decoded
    assertThat(badRequest(CLASSIFIER, features("[1,4]", "FP16", "[1,2,3,4]")))
        .contains("datatype FP16 but the model expects FP32");
  }

  @Test
  void unknownRequestedOutput() {
    String body =
        "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}],"
            + "\"outputs\":[{\"name\":\"logits\"}]}";
    assertThat(badRequest(CLASSIFIER, body))
        .contains("unknown output 'logits'")
        .contains("[probabilities]");
  }

  @Test
  void requestedOutputsSelectAndOrder() {
    String body =
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]},"
            + "{\"name\":\"k\",\"shape\":[1,4],\"datatype\":\"INT64\",\"data\":[1,1,1,1]}],"
            + "\"outputs\":[{\"name\":\"index\"}]}";
    HttpTestClient.Reply reply = http.post(MIXED, body);
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().get("outputs").size()).isEqualTo(1);
    assertThat(reply.json().get("outputs").get(0).get("data").toString()).isEqualTo("[3]");
  }

  @Test
  void modelRejectingValuesIs400NotA500() {
    String body =
        "{\"inputs\":[{\"name\":\"token_ids\",\"shape\":[1,2],\"datatype\":\"INT64\",\"data\":[1,200]}]}";
    assertThat(badRequest("/v2/models/token_embed/infer", body)).contains("indices");
  }

  @Test
  void unknownModelIs404() {
    HttpTestClient.Reply reply =
        http.post("/v2/models/nope/infer", features("[1,4]", "FP32", "[1,2,3,4]"));
    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.error()).contains("unknown model 'nope'");
  }

  @Test
  void anUnknownModelIs404EvenWhenTheRequestIsAlsoMalformed() {
    HttpTestClient.Reply malformed = http.post("/v2/models/nope/infer", "{\"inputs\": [");
    assertThat(malformed.status()).isEqualTo(404);
    assertThat(malformed.error()).contains("unknown model 'nope'");
    HttpTestClient.Reply badVersion =
        http.post("/v2/models/classifier/versions/3/infer", "{\"inputz\": []}");
    assertThat(badVersion.status()).isEqualTo(404);
    assertThat(badVersion.error()).contains("no version 3");
  }

  @Test
  void unknownVersionIs404() {
    HttpTestClient.Reply reply =
        http.post("/v2/models/classifier/versions/3/infer", features("[1,4]", "FP32", "[1,2,3,4]"));
    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.error()).contains("no version 3");
  }

  @Test
  void explicitVersionIsUsed() {
    HttpTestClient.Reply reply =
        http.post("/v2/models/classifier/versions/1/infer", features("[1,4]", "FP32", "[1,2,3,4]"));
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().get("model_version").stringValue()).isEqualTo("1");
  }

  private static String identityRequest(String name, String shape, String datatype, String data) {
    return "{\"inputs\":[{\"name\":"
        + name
        + ",\"shape\":"
        + shape
        + ",\"datatype\":\""
        + datatype
        + "\",\"data\":"
        + data
        + "}]}";
  }

  @Test
  void dataBeforeDatatypeAndShapeIsAccepted() {
    HttpTestClient.Reply reply =
        http.post(
            CLASSIFIER,
            "{\"inputs\":[{\"data\":[1,2,3,4],\"name\":\"features\",\"datatype\":\"FP32\","
                + "\"shape\":[1,4]}]}");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
  }

  @Test
  void tooManyElementsAreCountedInTheMessage() {
    assertThat(badRequest(CLASSIFIER, features("[1,4]", "FP32", "[[1,2,3],[4,5]]")))
        .contains("has 5 elements")
        .contains("needs 4");
  }

  @Test
  void nullElementIsRejected() {
    assertThat(badRequest(CLASSIFIER, features("[1,4]", "FP32", "[1,2,null,4]")))
        .contains("element 2")
        .contains("expected a number");
  }

  @Test
  void trailingContentAfterTheRequestIsRejected() {
    assertThat(badRequest(CLASSIFIER, features("[1,4]", "FP32", "[1,2,3,4]") + " {}"))
        .contains("malformed JSON");
  }

  @Test
  void torchScriptModelRejectingValuesIs400NotA500() {
    String body =
        "{\"inputs\":[{\"name\":\"token_ids\",\"shape\":[1,2],\"datatype\":\"INT64\",\"data\":[1,200]}]}";
    assertThat(badRequest("/v2/models/token_embed_torch/infer", body))
        .contains("the model rejected the input");
  }

  @Test
  void torchScriptModelValidatesLikeOnnx() {
    assertThat(
            badRequest(
                "/v2/models/classifier_torch/infer", features("[1,5]", "FP32", "[1,2,3,4,5]")))
        .contains("input 'features' has shape [1,5]")
        .contains("expects [-1,4]");
  }
}
