package org.modelserver.server.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.ModelConfigRequest;
import org.modelserver.grpc.v2.ModelEnsembling;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.RunningServer;
import org.modelserver.server.TestRepos;
import tools.jackson.databind.JsonNode;

/**
 * Triton ensembles on the real server: the example feature_pipeline (config.pbtxt) and its
 * config.yaml twin, step batching, the load-time checks, step failures and unload_dependents.
 */
class EnsembleTest {
  static final String PIPELINE_YAML =
      """
      platform: ensemble
      max_batch_size: 32
      input:
        - {name: RAW, data_type: TYPE_FP32, dims: [4]}
      output:
        - {name: PROBABILITIES, data_type: TYPE_FP32, dims: [3]}
      ensemble_scheduling:
        step:
          - model_name: feature_extractor
            model_version: -1
            input_map: {raw: RAW}
            output_map: {features: extracted_features}
          - model_name: classifier_head
            model_version: -1
            input_map: {features: extracted_features}
            output_map: {probabilities: PROBABILITIES}
      """;

  /** An ensemble over feature_extractor whose step says {@code step}; its output is FEATURES. */
  private static String oneStep(String step, String outputType, String outputDims) {
    return """
        platform: ensemble
        max_batch_size: 32
        input:
          - {name: RAW, data_type: TYPE_FP32, dims: [4]}
        output:
          - {name: FEATURES, data_type: %s, dims: %s}
        ensemble_scheduling:
          step:
            - %s
        """
        .formatted(outputType, outputDims, step);
  }

  private static final String EXTRACT =
      "{model_name: feature_extractor, input_map: {raw: RAW}, output_map: {features: FEATURES}}";

  @TempDir static Path repo;
  private static RunningServer server;
  private static HttpTestClient http;

  @BeforeAll
  static void start() throws IOException {
    for (String model :
        List.of("feature_extractor", "classifier_head", "feature_pipeline", "classifier")) {
      TestRepos.copyModel(model, repo);
    }
    ensemble("pipeline_yaml", PIPELINE_YAML);
    ensemble(
        "unknown_model", oneStep(EXTRACT.replace("feature_extractor", "nope"), "TYPE_FP32", "[6]"));
    ensemble(
        "nested",
        PIPELINE_YAML.substring(0, PIPELINE_YAML.indexOf("ensemble_scheduling:"))
            + """
            ensemble_scheduling:
              step:
                - model_name: feature_pipeline
                  input_map: {RAW: RAW}
                  output_map: {PROBABILITIES: PROBABILITIES}
            """);
    ensemble(
        "variable_input", oneStep(EXTRACT, "TYPE_FP32", "[6]").replace("dims: [4]", "dims: [-1]"));
    ensemble("type_mismatch", oneStep(EXTRACT, "TYPE_INT64", "[6]"));
    ensemble("shape_mismatch", oneStep(EXTRACT, "TYPE_FP32", "[5]"));
    ensemble("unknown_input", oneStep(EXTRACT.replace("{raw:", "{pixels:"), "TYPE_FP32", "[6]"));
    ensemble(
        "unknown_output",
        oneStep(EXTRACT.replace("{features:", "{embedding:"), "TYPE_FP32", "[6]"));
    ensemble(
        "self_loop",
        oneStep(EXTRACT.replace("feature_extractor", "self_loop"), "TYPE_FP32", "[6]"));
    ensemble("loop_a", oneStep(EXTRACT.replace("feature_extractor", "loop_b"), "TYPE_FP32", "[6]"));
    ensemble("loop_b", oneStep(EXTRACT.replace("feature_extractor", "loop_a"), "TYPE_FP32", "[6]"));
    ensemble(
        "twice",
        PIPELINE_YAML.replace(
            "output_map: {probabilities: PROBABILITIES}",
            "output_map: {probabilities: extracted_features}"));
    server =
        RunningServer.start(
            "--model-repository=" + repo,
            "--warmup-seconds=0",
            "--model-control-mode=explicit",
            "--load-model=*");
    http = server.http();
  }

  private static void ensemble(String name, String config) throws IOException {
    Files.createDirectories(repo.resolve(name + "/1"));
    Files.writeString(repo.resolve(name + "/config.yaml"), config);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void thePbtxtAndTheYamlEnsembleServeTheSameOutputs() throws IOException {
    JsonNode cases =
        HttpTestClient.JSON
            .readTree(Files.readString(repo.resolve("feature_pipeline/reference.json")))
            .get("cases");
    for (JsonNode reference : cases) {
      HttpTestClient.Reply pbtxt =
          http.post("/v2/models/feature_pipeline/infer", reference.get("request"));
      HttpTestClient.Reply yaml =
          http.post("/v2/models/pipeline_yaml/infer", reference.get("request"));
      assertThat(pbtxt.status()).as(pbtxt.body()).isEqualTo(200);
      assertThat(yaml.status()).as(yaml.body()).isEqualTo(200);
      assertThat(pbtxt.json().get("outputs")).isEqualTo(yaml.json().get("outputs"));
      assertThat(pbtxt.json().get("outputs").get(0).get("name").asString())
          .isEqualTo("PROBABILITIES");
    }
    JsonNode fromPbtxt = http.get("/v2/models/feature_pipeline/config").json();
    JsonNode fromYaml = http.get("/v2/models/pipeline_yaml/config").json();
    assertThat(fromPbtxt.get("ensemble_scheduling")).isEqualTo(fromYaml.get("ensemble_scheduling"));
  }

  @Test
  void anEnsembleOfAnEnsembleGivesTheSameOutputs() {
    String body =
        "{\"inputs\":[{\"name\":\"RAW\",\"shape\":[2,4],\"datatype\":\"FP32\","
            + "\"data\":[0.1,0.2,0.3,0.4,1,2,3,4]}]}";
    HttpTestClient.Reply nested = http.post("/v2/models/nested/infer", body);
    HttpTestClient.Reply direct = http.post("/v2/models/feature_pipeline/infer", body);
    assertThat(nested.status()).as(nested.body()).isEqualTo(200);
    assertThat(nested.json().get("outputs")).isEqualTo(direct.json().get("outputs"));
  }

  @Test
  void theConfigAndMetadataShowTheEnsemble() {
    JsonNode config = http.get("/v2/models/feature_pipeline/config").json();
    assertThat(config.get("platform").asString()).isEqualTo("ensemble");
    JsonNode steps = config.get("ensemble_scheduling").get("step");
    assertThat(steps.size()).isEqualTo(2);
    assertThat(steps.get(0).get("model_name").asString()).isEqualTo("feature_extractor");
    assertThat(steps.get(0).get("model_version").asLong()).isEqualTo(-1);
    assertThat(steps.get(1).get("input_map").get("features").asString())
        .isEqualTo("extracted_features");

    JsonNode metadata = http.get("/v2/models/feature_pipeline").json();
    assertThat(metadata.get("platform").asString()).isEqualTo("ensemble");
    assertThat(metadata.get("inputs").get(0).get("name").asString()).isEqualTo("RAW");
    assertThat(metadata.get("outputs").get(0).get("name").asString()).isEqualTo("PROBABILITIES");

    ModelEnsembling grpc =
        GRPCInferenceServiceGrpc.newBlockingStub(server.channel())
            .modelConfig(ModelConfigRequest.newBuilder().setName("feature_pipeline").build())
            .getConfig()
            .getEnsembleScheduling();
    assertThat(grpc.getStepCount()).isEqualTo(2);
    assertThat(grpc.getStep(1).getOutputMapMap()).containsEntry("probabilities", "PROBABILITIES");
  }

  @Test
  void stepsBatchWithConcurrentRequests() throws Exception {
    long before = stat("feature_extractor", "inference_count");
    long executionsBefore = stat("feature_extractor", "execution_count");
    long headBefore = stat("classifier_head", "inference_count");
    long headExecutionsBefore = stat("classifier_head", "execution_count");
    long ensembleBefore = stat("feature_pipeline", "inference_count");
    String body =
        "{\"inputs\":[{\"name\":\"RAW\",\"shape\":[1,4],\"datatype\":\"FP32\","
            + "\"data\":[0.1,0.2,0.3,0.4]}]}";
    int requests = 256;
    ExecutorService pool = Executors.newFixedThreadPool(48);
    try {
      List<Future<Integer>> replies = new ArrayList<>();
      for (int i = 0; i < requests; i++) {
        replies.add(
            pool.submit(() -> http.post("/v2/models/feature_pipeline/infer", body).status()));
      }
      for (Future<Integer> reply : replies) {
        assertThat(reply.get()).isEqualTo(200);
      }
    } finally {
      pool.shutdownNow();
    }
    long inferences = stat("feature_extractor", "inference_count") - before;
    long executions = stat("feature_extractor", "execution_count") - executionsBefore;
    assertThat(inferences).isEqualTo(requests);
    assertThat(executions).isLessThan(inferences);
    long headInferences = stat("classifier_head", "inference_count") - headBefore;
    assertThat(headInferences).isEqualTo(requests);
    assertThat(stat("classifier_head", "execution_count") - headExecutionsBefore)
        .isLessThan(headInferences);
    assertThat(stat("feature_pipeline", "inference_count") - ensembleBefore).isEqualTo(requests);
  }

  @Test
  void theEnsemblesStatisticsCountItsRequests() {
    long before = stat("feature_pipeline", "execution_count");
    String body =
        "{\"inputs\":[{\"name\":\"RAW\",\"shape\":[2,4],\"datatype\":\"FP32\","
            + "\"data\":[0.1,0.2,0.3,0.4,1,2,3,4]}]}";
    assertThat(http.post("/v2/models/feature_pipeline/infer", body).status()).isEqualTo(200);
    JsonNode stats = http.get("/v2/models/feature_pipeline/stats").json().get("model_stats").get(0);
    assertThat(stats.get("execution_count").asLong()).isEqualTo(before + 1);
    assertThat(stats.get("inference_stats").get("success").get("count").asLong()).isPositive();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "unknown_model|'nope'|not loaded",
        "type_mismatch|data type mismatch|TYPE_INT64",
        "shape_mismatch|shape mismatch|FEATURES",
        "unknown_input|unknown input 'pixels'|feature_extractor",
        "unknown_output|unknown output 'embedding'|feature_extractor",
        "self_loop|cycle|self_loop -> self_loop",
        "loop_a|cycle|loop_a -> loop_b -> loop_a",
        "twice|produced twice|extracted_features",
      })
  void aBadEnsembleIsUnavailableWithTheReason(String model, String problem, String detail) {
    JsonNode row = indexRow(model);
    assertThat(row.get("state").asString()).isEqualTo("UNAVAILABLE");
    assertThat(row.get("reason").asString()).contains(problem).contains(detail);
    // The rest of the repository keeps serving.
    assertThat(http.get("/v2/models/classifier/ready").status()).isEqualTo(200);
    assertThat(http.get("/v2/models/feature_pipeline/ready").status()).isEqualTo(200);
  }

  @Test
  void aClientErrorInAStepIsA4xxNamingTheStep() {
    // The ensemble takes RAW of any length; its step wants 4 values a row.
    HttpTestClient.Reply reply =
        http.post(
            "/v2/models/variable_input/infer",
            "{\"inputs\":[{\"name\":\"RAW\",\"shape\":[1,5],\"datatype\":\"FP32\","
                + "\"data\":[1,2,3,4,5]}]}");
    assertThat(reply.status()).as(reply.body()).isEqualTo(400);
    assertThat(reply.error()).contains("step 0").contains("feature_extractor");
    HttpTestClient.Reply fits =
        http.post(
            "/v2/models/variable_input/infer",
            "{\"inputs\":[{\"name\":\"RAW\",\"shape\":[1,4],\"datatype\":\"FP32\","
                + "\"data\":[1,2,3,4]}]}");
    assertThat(fits.status()).as(fits.body()).isEqualTo(200);
  }

  @Test
  void unloadDependentsUnloadsTheEnsemblesThatUseTheModel() throws IOException {
    Path copy = TestRepos.exampleRepo();
    assertThat(copy).isNotNull();
    Files.createDirectories(repo.resolve("head_twin/1"));
    TestRepos.copyTree(repo.resolve("classifier_head/1"), repo.resolve("head_twin/1"));
    Files.writeString(
        repo.resolve("head_twin/config.yaml"),
        Files.readString(repo.resolve("classifier_head/config.yaml")));
    ensemble("twin_pipeline", PIPELINE_YAML.replace("classifier_head", "head_twin"));
    assertThat(http.post("/v2/repository/models/head_twin/load", "{}").status()).isEqualTo(200);
    assertThat(http.post("/v2/repository/models/twin_pipeline/load", "{}").status()).isEqualTo(200);
    assertThat(http.get("/v2/models/twin_pipeline/ready").status()).isEqualTo(200);

    // Without unload_dependents the ensemble stays, and its requests are refused with 503.
    assertThat(http.post("/v2/repository/models/head_twin/unload", "{}").status()).isEqualTo(200);
    String body =
        "{\"inputs\":[{\"name\":\"RAW\",\"shape\":[1,4],\"datatype\":\"FP32\","
            + "\"data\":[0.1,0.2,0.3,0.4]}]}";
    HttpTestClient.Reply refused = http.post("/v2/models/twin_pipeline/infer", body);
    assertThat(refused.status()).as(refused.body()).isEqualTo(503);
    assertThat(refused.error()).contains("head_twin");

    // Loaded again, the ensemble follows it; unload_dependents then takes the ensemble along.
    assertThat(http.post("/v2/repository/models/head_twin/load", "{}").status()).isEqualTo(200);
    assertThat(http.post("/v2/models/twin_pipeline/infer", body).status()).isEqualTo(200);
    assertThat(
            http.post(
                    "/v2/repository/models/head_twin/unload",
                    "{\"parameters\":{\"unload_dependents\":true}}")
                .status())
        .isEqualTo(200);
    assertThat(indexRow("twin_pipeline").get("state").asString()).isEqualTo("UNAVAILABLE");
  }

  private static long stat(String model, String field) {
    JsonNode stats = http.get("/v2/models/" + model + "/stats").json().get("model_stats").get(0);
    return stats.get(field).asLong();
  }

  private static JsonNode indexRow(String model) {
    for (JsonNode row : http.post("/v2/repository/index", "{}").json()) {
      if (row.get("name").asString().equals(model)) {
        return row;
      }
    }
    throw new AssertionError("no index row for " + model);
  }
}
