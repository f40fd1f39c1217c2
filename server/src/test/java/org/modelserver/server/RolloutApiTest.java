package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.testsupport.TinyOnnx;
import tools.jackson.databind.JsonNode;

/**
 * Rollout policies on a real server: a canary failing a fifth of its requests is rolled back while
 * the baseline serves without a failure; a healthy canary is promoted step by step; a running
 * rollout survives a restart; bad policies are refused with the field named.
 */
class RolloutApiTest {
  private static final String ROLLOUT = "/v2/models/m/rollout";
  private static final String SQUARE =
      "{\"inputs\":[{\"name\":\"size\",\"shape\":[2],\"datatype\":\"INT64\",\"data\":[2,2]}]}";
  // [2, 3] is fine for the baseline's sum, and an impossible 2x3 by 2x3 product for the canary.
  private static final String POISON =
      "{\"inputs\":[{\"name\":\"size\",\"shape\":[2],\"datatype\":\"INT64\",\"data\":[2,3]}]}";

  @TempDir Path repo;

  private RunningServer server;
  private HttpTestClient http;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** Model {@code m}: version 1 sums zeros of any shape; version 2 is {@code canary}. */
  private void writeModel(byte[] canary) {
    try {
      Files.createDirectories(repo.resolve("m/1"));
      Files.createDirectories(repo.resolve("m/2"));
      Files.write(repo.resolve("m/1/model.onnx"), sumOfZeros());
      Files.write(repo.resolve("m/2/model.onnx"), canary);
      Files.writeString(
          repo.resolve("m/config.yaml"),
          "max_batch_size: 0\n"
              + "input:\n  - {name: size, data_type: TYPE_INT64, dims: [2]}\n"
              + "output:\n  - {name: sum, data_type: TYPE_FP32, dims: [1, 1]}\n"
              + "version_policy: {all: {}}\n"
              + "instance_group: [{count: 1, kind: KIND_CPU}]\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] sumOfZeros() {
    return TinyOnnx.model(
        List.of(
            TinyOnnx.node("ConstantOfShape", List.of("size"), List.of("zeros")),
            TinyOnnx.node("ReduceSum", List.of("zeros"), List.of("sum"))),
        List.of(TinyOnnx.tensorInfo("size", TinyOnnx.INT64, 2L)),
        List.of(TinyOnnx.tensorInfo("sum", TinyOnnx.FLOAT, 1L, 1L)));
  }

  private void start() {
    server =
        RunningServer.start(
            "--model-repository=" + repo, "--model-control-mode=explicit", "--load-model=m");
    http = server.http();
  }

  private JsonNode rollout() {
    HttpTestClient.Reply reply = http.get(ROLLOUT);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    return reply.json();
  }

  private String phase() {
    return rollout().get("phase").stringValue();
  }

  private long failures(String version) {
    JsonNode stats = http.get("/v2/models/m/versions/" + version + "/stats").json();
    return stats.get("model_stats").get(0).get("inference_stats").get("fail").get("count").asLong();
  }

  /** Sends requests (every fifth a poison one) until the rollout ends; bounded. */
  private void trafficUntilTheRolloutEnds(int limit) {
    for (int i = 0; i < limit && phase().equals("RUNNING"); i++) {
      for (int j = 0; j < 20; j++) {
        http.post("/v2/models/m/infer", j % 5 == 0 ? POISON : SQUARE);
      }
    }
  }

  @Test
  void aCanaryFailingAFifthOfItsRequestsIsRolledBackWhileTheBaselineNeverFails() {
    writeModel(TinyOnnx.slowSum());
    start();
    HttpTestClient.Reply started =
        http.put(
            ROLLOUT,
            "{\"baseline\": 1, \"canary\": 2, \"steps\": [50], \"min_requests\": 40,"
                + " \"step_seconds\": 600, \"max_error_rate_increase\": 5}");
    assertThat(started.status()).as(started.body()).isEqualTo(200);
    assertThat(started.json().get("canary_percent").asInt()).isEqualTo(50);
    assertThat(http.get("/v2/models/m/traffic").json().get("split").toString())
        .isEqualTo("{\"1\":50,\"2\":50}");

    trafficUntilTheRolloutEnds(200);

    JsonNode rollout = rollout();
    assertThat(rollout.get("phase").stringValue()).isEqualTo("ROLLED_BACK");
    assertThat(rollout.get("canary_percent").asInt()).isZero();
    assertThat(rollout.get("reason").stringValue())
        .startsWith("canary error rate ")
        .contains("above the baseline's 0.00%");
    assertThat(rollout.get("window").get("canary").get("failures").asInt()).isPositive();
    assertThat(http.get("/v2/models/m/traffic").json().get("split").toString())
        .isEqualTo("{\"1\":100}");
    assertThat(failures("1")).isZero();
    assertThat(failures("2")).isPositive();
    // Every request now goes to the baseline, poison ones included, and none fails.
    for (int i = 0; i < 50; i++) {
      HttpTestClient.Reply reply = http.post("/v2/models/m/infer", i % 2 == 0 ? POISON : SQUARE);
      assertThat(reply.status()).as(reply.body()).isEqualTo(200);
      assertThat(reply.json().get("model_version").stringValue()).isEqualTo("1");
    }
    assertThat(failures("1")).isZero();
    PrometheusText metrics = PrometheusText.parse(http.get("/metrics").body());
    assertThat(metrics.samples("model_rollout_latency_seconds"))
        .anySatisfy(
            sample ->
                assertThat(sample.labels())
                    .containsEntry("role", "baseline")
                    .containsEntry("version", "1")
                    .containsEntry("quantile", "0.99"));
    assertThat(
            metrics.value(
                "model_rollout_phase",
                Map.of("model", "m", "baseline", "1", "canary", "2", "phase", "ROLLED_BACK")))
        .isEqualTo(1.0);
  }

  @Test
  void aHealthyCanaryIsPromotedStepByStep() {
    writeModel(sumOfZeros());
    start();
    HttpTestClient.Reply started =
        http.put(
            ROLLOUT,
            "{\"canary\": 2, \"baseline\": \"1\", \"steps\": [20, 60], \"min_requests\": 30,"
                + " \"step_seconds\": 0, \"p99_slack_ms\": 1000}");
    assertThat(started.status()).as(started.body()).isEqualTo(200);

    trafficUntilTheRolloutEnds(300);

    JsonNode rollout = rollout();
    assertThat(rollout.get("phase").stringValue()).as(rollout.toString()).isEqualTo("PROMOTED");
    List<Integer> shares = new ArrayList<>();
    rollout.get("transitions").forEach(t -> shares.add(t.get("canary_percent").asInt()));
    assertThat(shares).containsExactly(20, 60, 100);
    assertThat(rollout.get("reason").stringValue()).startsWith("canary passed step 2 (60%)");
    assertThat(http.get("/v2/models/m/traffic").json().get("split").toString())
        .isEqualTo("{\"2\":100}");
    for (int i = 0; i < 20; i++) {
      assertThat(http.post("/v2/models/m/infer", SQUARE).json().get("model_version").stringValue())
          .isEqualTo("2");
    }
  }

  @Test
  void aRunningRolloutResumesAfterARestart() {
    writeModel(sumOfZeros());
    start();
    assertThat(
            http.put(ROLLOUT, "{\"canary\": 2, \"baseline\": 1, \"min_requests\": 1000000}")
                .status())
        .isEqualTo(200);
    server.close();
    start();

    JsonNode rollout = rollout();
    assertThat(rollout.get("phase").stringValue()).isEqualTo("RUNNING");
    assertThat(rollout.get("canary_percent").asInt()).isEqualTo(10);
    assertThat(rollout.get("reason").stringValue()).isEqualTo("resumed at step 1 after a restart");
    assertThat(rollout.get("policy").get("min_requests").asInt()).isEqualTo(1000000);
    assertThat(http.get("/v2/models/m/traffic").json().get("split").toString())
        .isEqualTo("{\"1\":90,\"2\":10}");
  }

  @Test
  void deleteStopsTheRolloutAndLeavesTheSplit() {
    writeModel(sumOfZeros());
    start();
    http.put(ROLLOUT, "{\"canary\": 2, \"baseline\": 1, \"steps\": [30], \"min_requests\": 1000}");
    HttpTestClient.Reply stopped = http.delete(ROLLOUT);
    assertThat(stopped.status()).as(stopped.body()).isEqualTo(200);
    assertThat(stopped.json().get("phase").stringValue()).isEqualTo("STOPPED");
    assertThat(rollout().get("phase").stringValue()).isEqualTo("NONE");
    assertThat(http.delete(ROLLOUT).status()).isEqualTo(404);
    assertThat(http.get("/v2/models/m/traffic").json().get("split").toString())
        .isEqualTo("{\"1\":70,\"2\":30}");
  }

  @Test
  void refusesBadPoliciesAndUnknownVersions() {
    writeModel(sumOfZeros());
    start();
    HttpTestClient.Reply unknown = http.put(ROLLOUT, "{\"canary\": 9, \"baseline\": 1}");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.error()).contains("no loaded version 9");
    HttpTestClient.Reply steps = http.put(ROLLOUT, "{\"canary\": 2, \"steps\": [0]}");
    assertThat(steps.status()).isEqualTo(400);
    assertThat(steps.error()).contains("'steps' must be 1 to 10 rising whole percentages");
    HttpTestClient.Reply itself = http.put(ROLLOUT, "{\"canary\": 2}");
    assertThat(itself.status()).isEqualTo(400);
    assertThat(itself.error()).contains("default version, 2, which is the canary");
    HttpTestClient.Reply notJson = http.put(ROLLOUT, "{canary");
    assertThat(notJson.status()).isEqualTo(400);
    assertThat(notJson.error()).contains("the rollout policy is not valid JSON");
    assertThat(rollout().toString()).isEqualTo("{\"name\":\"m\",\"phase\":\"NONE\"}");
    assertThat(http.get("/v2/models/absent/rollout").status()).isEqualTo(404);
    assertThat(http.put(ROLLOUT, "{\"canary\": 1}").status()).isEqualTo(200);
    assertThat(rollout().get("baseline").stringValue()).isEqualTo("2");
  }
}
