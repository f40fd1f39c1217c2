package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Broken models (corrupt file, bad config, inconsistent config, no versions) are UNAVAILABLE with a
 * readable reason, and never stop the good models from serving.
 */
class UnavailableModelsTest {
  @TempDir static Path repo;
  private static ConfigurableApplicationContext server;
  private static HttpTestClient http;

  private static final String REQUEST =
      "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}";

  @BeforeAll
  static void start() throws IOException {
    TestRepos.copyModel("classifier", repo);

    Path corrupt = repo.resolve("corrupt/1");
    Files.createDirectories(corrupt);
    Files.writeString(corrupt.resolve("model.onnx"), "this is not an ONNX model");

    TestRepos.copyModel("mixed_io", repo);
    Files.move(repo.resolve("mixed_io"), repo.resolve("bad_config"));
    Files.writeString(
        repo.resolve("bad_config/config.yaml"), "max_batch_size: 4\nfavourite_colour: blue\n");

    TestRepos.copyModel("mixed_io", repo);
    Files.move(repo.resolve("mixed_io"), repo.resolve("wrong_type"));
    Files.writeString(
        repo.resolve("wrong_type/config.yaml"),
        "input:\n  - {name: x, data_type: TYPE_FP64, dims: [4]}\n  - {name: k, data_type: TYPE_INT64, dims: [4]}\n"
            + "output:\n  - {name: scaled, data_type: TYPE_FP32, dims: [4]}\n");

    Files.createDirectories(repo.resolve("no_versions/notes"));

    // A second version that is broken next to a good first one: the good one keeps serving.
    TestRepos.copyModel("token_embed", repo);
    Files.createDirectories(repo.resolve("token_embed/2"));
    Files.writeString(repo.resolve("token_embed/2/model.onnx"), "garbage");
    Files.writeString(
        repo.resolve("token_embed/config.yaml"),
        Files.readString(repo.resolve("token_embed/config.yaml"))
            + "version_policy:\n  latest: {num_versions: 2}\n");

    server = TestRepos.start("--model-repository=" + repo);
    http = new HttpTestClient(TestRepos.port(server));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void goodModelServesBesideBrokenOnes() {
    assertThat(http.post("/v2/models/classifier/infer", REQUEST).status()).isEqualTo(200);
  }

  @Test
  void serverIsNotReadyAndSaysWhichModelsAreNot() {
    HttpTestClient.Reply reply = http.get("/v2/health/ready");
    assertThat(reply.status()).isEqualTo(400);
    JsonNode body = reply.json();
    assertThat(body.get("ready").booleanValue()).isFalse();
    assertThat(body.get("error").stringValue())
        .contains("corrupt")
        .contains("bad_config")
        .contains("no_versions")
        .doesNotContain("classifier");
  }

  @Test
  void corruptModelFileIsUnavailableWithReason() {
    HttpTestClient.Reply reply = http.get("/v2/models/corrupt/ready");
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().get("ready").booleanValue()).isFalse();
    assertThat(reply.json().get("error").stringValue())
        .contains("ONNX Runtime cannot load model.onnx");
  }

  @Test
  void inferOnUnavailableModelIs503WithReason() {
    HttpTestClient.Reply reply = http.post("/v2/models/corrupt/infer", REQUEST);
    assertThat(reply.status()).isEqualTo(503);
    assertThat(reply.error()).contains("corrupt").contains("no ready version");
  }

  @Test
  void unknownConfigKeyIsNamed() {
    HttpTestClient.Reply reply = http.post("/v2/models/bad_config/infer", REQUEST);
    assertThat(reply.status()).isEqualTo(503);
    assertThat(reply.error()).contains("favourite_colour");
  }

  @Test
  void configInconsistentWithModelSaysWhatDisagrees() {
    HttpTestClient.Reply reply = http.get("/v2/models/wrong_type/ready");
    assertThat(reply.json().get("error").stringValue())
        .contains("input 'x'")
        .contains("TYPE_FP64")
        .contains("TYPE_FP32");
  }

  @Test
  void modelWithoutVersionFoldersIsUnavailable() {
    HttpTestClient.Reply reply = http.get("/v2/models/no_versions/ready");
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().get("error").stringValue()).contains("no version folders");
  }

  @Test
  void brokenNewVersionLeavesOlderVersionServing() {
    HttpTestClient.Reply reply =
        http.post(
            "/v2/models/token_embed/infer",
            "{\"inputs\":[{\"name\":\"token_ids\",\"shape\":[1,3],\"datatype\":\"INT64\",\"data\":[1,2,3]}]}");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    assertThat(reply.json().get("model_version").stringValue()).isEqualTo("1");
    HttpTestClient.Reply v2 = http.get("/v2/models/token_embed/versions/2/ready");
    assertThat(v2.status()).isEqualTo(400);
    HttpTestClient.Reply inferV2 =
        http.post(
            "/v2/models/token_embed/versions/2/infer",
            "{\"inputs\":[{\"name\":\"token_ids\",\"shape\":[1,3],\"datatype\":\"INT64\",\"data\":[1,2,3]}]}");
    assertThat(inferV2.status()).isEqualTo(503);
    assertThat(inferV2.error()).contains("version 2 is not ready");
  }

  @Test
  void statisticsAndMetricsCoverOnlyReadyVersions() {
    JsonNode all = http.get("/v2/models/stats").json().get("model_stats");
    StringBuilder listed = new StringBuilder();
    all.forEach(
        s ->
            listed
                .append(s.get("name").stringValue())
                .append(':')
                .append(s.get("version").stringValue())
                .append(' '));
    assertThat(listed.toString().trim()).isEqualTo("classifier:1 classifier:2 token_embed:1");

    assertThat(http.get("/v2/models/token_embed/stats").json().get("model_stats").size())
        .isEqualTo(1);
    HttpTestClient.Reply corrupt = http.get("/v2/models/corrupt/stats");
    assertThat(corrupt.status()).isEqualTo(503);
    assertThat(corrupt.error()).contains("corrupt");
    HttpTestClient.Reply v2 = http.get("/v2/models/token_embed/versions/2/stats");
    assertThat(v2.status()).isEqualTo(503);
    assertThat(v2.error()).contains("version 2 is not ready");

    PrometheusText metrics = PrometheusText.parse(http.get("/metrics").body());
    assertThat(
            metrics.samples("nv_inference_count").stream()
                .map(s -> s.labels().get("model") + ":" + s.labels().get("version"))
                .toList())
        .containsExactly("classifier:1", "classifier:2", "token_embed:1");
  }
}
