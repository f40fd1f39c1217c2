package org.modelserver.server.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.ModelConfigRequest;
import org.modelserver.grpc.v2.ModelWarmup;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.RunningServer;
import org.modelserver.server.TestRepos;
import tools.jackson.databind.JsonNode;

/** Triton's model_warmup through the real server: a good sample, a failing one, the config. */
class ModelWarmupTest {
  private static final String CLASSIFIER =
      """
      platform: onnxruntime_onnx
      max_batch_size: 32
      input:
        - {name: features, data_type: TYPE_FP32, dims: [4]}
      output:
        - {name: probabilities, data_type: TYPE_FP32, dims: [3]}
      dynamic_batching: {}
      """;

  @TempDir static Path repo;
  private static RunningServer server;
  private static HttpTestClient http;

  private static void model(String name, String warmup) throws Exception {
    Path dir = repo.resolve(name);
    Files.createDirectories(dir.resolve("1"));
    Files.copy(
        TestRepos.exampleRepo().resolve("classifier/1/model.onnx"), dir.resolve("1/model.onnx"));
    Files.writeString(dir.resolve("config.yaml"), CLASSIFIER + warmup);
  }

  @BeforeAll
  static void start() throws Exception {
    model(
        "warm",
        """
        model_warmup:
          - name: zeros
            batch_size: 8
            inputs:
              features: {data_type: TYPE_FP32, dims: [4], zero_data: true}
            count: 2
        """);
    model(
        "cold",
        """
        model_warmup:
          - name: too_wide
            batch_size: 1
            inputs:
              features: {data_type: TYPE_FP32, dims: [5], random_data: true}
        """);
    server = RunningServer.start("--model-repository=" + repo);
    http = server.http();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aVersionWhoseSamplesRunIsReadyAndItsStatisticsStartAtZero() {
    assertThat(http.get("/v2/models/warm/ready").status()).isEqualTo(200);
    JsonNode stats = http.get("/v2/models/warm/stats").json().get("model_stats").get(0);
    assertThat(stats.get("inference_count").asLong()).isZero();
    assertThat(stats.get("execution_count").asLong()).isZero();
    String body =
        "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\","
            + "\"data\":[1,2,3,4]}]}";
    assertThat(http.post("/v2/models/warm/infer", body).status()).isEqualTo(200);
  }

  @Test
  void aFailingSampleMakesTheVersionUnavailableWithTheReason() {
    HttpTestClient.Reply ready = http.get("/v2/models/cold/versions/1/ready");
    assertThat(ready.status()).isEqualTo(400);
    JsonNode rows = http.post("/v2/repository/index", "{}").json();
    JsonNode cold = null;
    for (JsonNode row : rows) {
      if (row.get("name").stringValue().equals("cold")) {
        cold = row;
      }
    }
    assertThat(cold).isNotNull();
    assertThat(cold.get("state").stringValue()).isEqualTo("UNAVAILABLE");
    assertThat(cold.get("reason").stringValue()).contains("model_warmup sample 'too_wide' failed");
  }

  @Test
  void theConfigShowsTheSamplesOverRestAndGrpc() {
    JsonNode warmup = http.get("/v2/models/warm/config").json().get("model_warmup");
    assertThat(warmup.toString())
        .isEqualTo(
            "[{\"name\":\"zeros\",\"batch_size\":8,\"inputs\":{\"features\":{\"data_type\":"
                + "\"TYPE_FP32\",\"dims\":[4],\"zero_data\":true}},\"count\":2}]");
    ModelWarmup sample =
        GRPCInferenceServiceGrpc.newBlockingStub(server.channel())
            .modelConfig(ModelConfigRequest.newBuilder().setName("warm").build())
            .getConfig()
            .getModelWarmup(0);
    assertThat(sample.getName()).isEqualTo("zeros");
    assertThat(sample.getBatchSize()).isEqualTo(8);
    assertThat(sample.getCount()).isEqualTo(2);
    assertThat(sample.getInputsMap().get("features").getZeroData()).isTrue();
    assertThat(sample.getInputsMap().get("features").getDimsList()).containsExactly(4L);
  }
}
