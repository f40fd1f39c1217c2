package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** Health, server metadata, model metadata, readiness and config over real HTTP. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "model-repository=${modelserver.test.repo:../model-repo}")
class HealthAndMetadataTest {
  @LocalServerPort int port;
  HttpTestClient http;

  @BeforeEach
  void client() {
    http = new HttpTestClient(port);
  }

  @Test
  void serverIsLive() {
    HttpTestClient.Reply reply = http.get("/v2/health/live");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().get("live").booleanValue()).isTrue();
  }

  @Test
  void serverIsReadyWhenEveryExampleModelLoaded() {
    HttpTestClient.Reply reply = http.get("/v2/health/ready");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    assertThat(reply.json().get("ready").booleanValue()).isTrue();
  }

  @Test
  void serverMetadataHasNameVersionAndExtensions() {
    JsonNode body = http.get("/v2").json();
    assertThat(body.get("name").stringValue()).isEqualTo("jvm-model-server");
    assertThat(body.get("version").stringValue()).isNotBlank();
    assertThat(body.get("extensions").isArray()).isTrue();
  }

  @Test
  void modelMetadataShowsVariableBatchDimension() {
    HttpTestClient.Reply reply = http.get("/v2/models/classifier");
    assertThat(reply.status()).isEqualTo(200);
    JsonNode body = reply.json();
    assertThat(body.get("name").stringValue()).isEqualTo("classifier");
    assertThat(body.get("platform").stringValue()).isEqualTo("onnxruntime_onnx");
    assertThat(body.get("versions").toString()).isEqualTo("[\"1\",\"2\"]");
    JsonNode input = body.get("inputs").get(0);
    assertThat(input.get("name").stringValue()).isEqualTo("features");
    assertThat(input.get("datatype").stringValue()).isEqualTo("FP32");
    assertThat(input.get("shape").toString()).isEqualTo("[-1,4]");
    assertThat(body.get("outputs").get(0).get("shape").toString()).isEqualTo("[-1,3]");
  }

  @Test
  void modelMetadataOfAutoconfiguredModelComesFromTheGraph() {
    JsonNode body = http.get("/v2/models/mixed_io/versions/1").json();
    assertThat(body.get("inputs").toString())
        .isEqualTo(
            "[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[-1,4]},"
                + "{\"name\":\"k\",\"datatype\":\"INT64\",\"shape\":[-1,4]}]");
    assertThat(body.get("outputs").get(1).get("datatype").stringValue()).isEqualTo("INT64");
  }

  @Test
  void variableNonBatchDimensionIsMinusOne() {
    JsonNode body = http.get("/v2/models/token_embed").json();
    assertThat(body.get("inputs").get(0).get("shape").toString()).isEqualTo("[-1,-1]");
  }

  @Test
  void modelAndVersionReadiness() {
    assertThat(http.get("/v2/models/classifier/ready").status()).isEqualTo(200);
    assertThat(
            http.get("/v2/models/classifier/versions/1/ready").json().get("ready").booleanValue())
        .isTrue();
    assertThat(http.get("/v2/models/nope/ready").status()).isEqualTo(404);
    assertThat(http.get("/v2/models/classifier/versions/9/ready").status()).isEqualTo(404);
  }

  @Test
  void configUsesTritonFieldNames() {
    JsonNode body = http.get("/v2/models/token_embed/config").json();
    assertThat(body.get("max_batch_size").intValue()).isEqualTo(16);
    assertThat(body.get("input").get(0).get("data_type").stringValue()).isEqualTo("TYPE_INT64");
    assertThat(body.get("input").get(0).get("dims").toString()).isEqualTo("[-1]");
    assertThat(body.get("version_policy").toString())
        .isEqualTo("{\"latest\":{\"num_versions\":1}}");
  }

  @Test
  void autoconfiguredBatchableModelGetsDefaultMaxBatchSize() {
    JsonNode body = http.get("/v2/models/mixed_io/config").json();
    assertThat(body.get("max_batch_size").intValue()).isEqualTo(4);
  }

  @Test
  void unknownModelIs404WithMessage() {
    HttpTestClient.Reply reply = http.get("/v2/models/nope");
    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.error()).contains("unknown model 'nope'");
  }

  @Test
  void unknownVersionIs404NamingLoadedVersions() {
    HttpTestClient.Reply reply = http.get("/v2/models/classifier/versions/7");
    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.error()).contains("no version 7").contains("[1, 2]");
  }

  @Test
  void malformedVersionIs400() {
    HttpTestClient.Reply reply = http.get("/v2/models/classifier/versions/abc");
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).contains("'abc'").contains("positive integer");
  }

  @Test
  void unknownPathIs404AndWrongMethodIs405() {
    HttpTestClient.Reply missing = http.get("/v2/nowhere");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.error()).contains("/v2/nowhere");
    HttpTestClient.Reply wrongMethod = http.get("/v2/models/classifier/infer");
    assertThat(wrongMethod.status()).isEqualTo(405);
    assertThat(wrongMethod.error()).contains("POST");
  }

  @Test
  void malformedUrlsGetJsonErrorsFromTheContainerToo() {
    HttpTestClient.Reply encodedSlash = http.get("/v2/models/a%2Fb/ready");
    assertThat(encodedSlash.status()).isEqualTo(400);
    assertThat(encodedSlash.error()).contains("malformed");
    String badEscape =
        http.raw("GET /v2/models/%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(badEscape).startsWith("HTTP/1.1 400").contains("{\"error\":").contains("%-escape");
  }

  @Test
  void errorPageRequestedDirectlyIsNotFound() {
    HttpTestClient.Reply reply = http.get("/error");
    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.error()).contains("/error");
  }

  @Test
  void torchScriptModelMetadataComesFromItsDeclaration() {
    JsonNode body = http.get("/v2/models/mixed_io_torch").json();
    assertThat(body.get("platform").stringValue()).isEqualTo("pytorch_libtorch");
    assertThat(body.get("inputs").toString())
        .isEqualTo(
            "[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[-1,4]},"
                + "{\"name\":\"k\",\"datatype\":\"INT64\",\"shape\":[-1,4]}]");
    assertThat(body.get("outputs").get(1).get("datatype").stringValue()).isEqualTo("INT64");
  }

  @Test
  void configShowsBatchingAndLabels() {
    JsonNode body = http.get("/v2/models/classifier/config").json();
    assertThat(body.get("dynamic_batching").get("max_queue_delay_microseconds").longValue())
        .isZero();
    assertThat(
            body.get("dynamic_batching")
                .get("default_queue_policy")
                .get("timeout_action")
                .stringValue())
        .isEqualTo("REJECT");
    assertThat(body.get("output").get(0).get("label_filename").stringValue())
        .isEqualTo("labels.txt");
    JsonNode tokens = http.get("/v2/models/token_embed/config").json();
    assertThat(tokens.get("dynamic_batching").get("max_queue_delay_microseconds").longValue())
        .isEqualTo(100);
  }
}
