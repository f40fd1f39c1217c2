package org.modelserver.server.pbtxt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.ModelConfig;
import org.modelserver.grpc.v2.ModelConfigRequest;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.RunningServer;
import org.modelserver.server.TestRepos;
import tools.jackson.databind.JsonNode;

/**
 * The same repository written once in config.pbtxt and once in config.yaml, each served by the real
 * server: the config endpoints and the inference outputs agree.
 */
class PbtxtRepositoryTest {
  /** The classifier example as Triton's documentation writes a config.pbtxt. */
  static final String CLASSIFIER_PBTXT =
      """
      name: "classifier"
      platform: "onnxruntime_onnx"
      max_batch_size: 32
      input [
        {
          name: "features"
          data_type: TYPE_FP32
          dims: [ 4 ]
        }
      ]
      output [
        {
          name: "probabilities"
          data_type: TYPE_FP32
          dims: [ 3 ]
          label_filename: "labels.txt"
        }
      ]
      version_policy: { all { }}
      dynamic_batching {
        preferred_batch_size: [ 4, 8 ]
        max_queue_delay_microseconds: 100
      }
      instance_group [
        {
          count: 2
          kind: KIND_CPU
        }
      ]
      model_warmup [
        {
          name: "zeros"
          batch_size: 8
          inputs {
            key: "features"
            value: {
              data_type: TYPE_FP32
              dims: [ 4 ]
              zero_data: true
            }
          }
        }
      ]
      """;

  static final String CLASSIFIER_YAML =
      """
      name: classifier
      platform: onnxruntime_onnx
      max_batch_size: 32
      input:
        - {name: features, data_type: TYPE_FP32, dims: [4]}
      output:
        - {name: probabilities, data_type: TYPE_FP32, dims: [3], label_filename: labels.txt}
      version_policy: {all: {}}
      dynamic_batching:
        preferred_batch_size: [4, 8]
        max_queue_delay_microseconds: 100
      instance_group:
        - {count: 2, kind: KIND_CPU}
      model_warmup:
        - name: zeros
          batch_size: 8
          inputs:
            features: {data_type: TYPE_FP32, dims: [4], zero_data: true}
      """;

  static final String TOKEN_EMBED_PBTXT =
      """
      max_batch_size: 16
      input [ { name: "token_ids", data_type: TYPE_INT64, dims: [ -1 ] } ]
      output [ { name: "embedding", data_type: TYPE_FP32, dims: [ 8 ] } ]
      # Requests are merged only with requests of the same sequence length.
      dynamic_batching { max_queue_delay_microseconds: 100 }
      """;

  @TempDir static Path pbtxtRepo;
  @TempDir static Path yamlRepo;
  private static RunningServer pbtxtServer;
  private static RunningServer yamlServer;

  @BeforeAll
  static void start() throws IOException {
    for (Path repo : new Path[] {pbtxtRepo, yamlRepo}) {
      TestRepos.copyModel("classifier", repo);
      TestRepos.copyModel("token_embed", repo);
      TestRepos.copyModel("mixed_io", repo);
      Files.delete(repo.resolve("classifier/config.yaml"));
    }
    Files.writeString(pbtxtRepo.resolve("classifier/config.pbtxt"), CLASSIFIER_PBTXT);
    Files.writeString(yamlRepo.resolve("classifier/config.yaml"), CLASSIFIER_YAML);
    Files.delete(pbtxtRepo.resolve("token_embed/config.yaml"));
    Files.writeString(pbtxtRepo.resolve("token_embed/config.pbtxt"), TOKEN_EMBED_PBTXT);

    // Only in the pbtxt repository: an ensemble, and a model with both files.
    Files.createDirectories(pbtxtRepo.resolve("pipeline/1"));
    Files.writeString(pbtxtRepo.resolve("pipeline/config.pbtxt"), PbtxtConfigReaderTest.ENSEMBLE);
    Path both =
        org.modelserver.runtime.testsupport.TestRepos.copyModelAs("mixed_io", "both", pbtxtRepo);
    Files.writeString(both.resolve("config.yaml"), "max_batch_size: 2\n");
    Files.writeString(both.resolve("config.pbtxt"), "max_batch_size: 3\n");

    pbtxtServer = RunningServer.start("--model-repository=" + pbtxtRepo, "--warmup-seconds=0");
    yamlServer = RunningServer.start("--model-repository=" + yamlRepo, "--warmup-seconds=0");
  }

  @AfterAll
  static void stop() {
    if (pbtxtServer != null) {
      pbtxtServer.close();
    }
    if (yamlServer != null) {
      yamlServer.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"classifier", "token_embed", "mixed_io"})
  void restConfigIsTheSameWhicheverFileItCameFrom(String model) {
    HttpTestClient.Reply fromPbtxt = pbtxtServer.http().get("/v2/models/" + model + "/config");
    HttpTestClient.Reply fromYaml = yamlServer.http().get("/v2/models/" + model + "/config");
    assertThat(fromPbtxt.status()).isEqualTo(200);
    assertThat(fromPbtxt.json()).isEqualTo(fromYaml.json());
  }

  @Test
  void theClassifiersConfigShowsEverySettingOfThePbtxt() {
    JsonNode config = pbtxtServer.http().get("/v2/models/classifier/config").json();
    assertThat(config.get("max_batch_size").asInt()).isEqualTo(32);
    assertThat(config.get("dynamic_batching").get("preferred_batch_size").toString())
        .isEqualTo("[4,8]");
    assertThat(config.get("dynamic_batching").get("max_queue_delay_microseconds").asLong())
        .isEqualTo(100);
    assertThat(config.get("instance_group").get(0).get("count").asInt()).isEqualTo(2);
    assertThat(config.get("output").get(0).get("label_filename").asString())
        .isEqualTo("labels.txt");
    assertThat(config.get("model_warmup").get(0).get("name").asString()).isEqualTo("zeros");
  }

  @ParameterizedTest
  @ValueSource(strings = {"classifier", "token_embed", "mixed_io"})
  void grpcConfigIsTheSameWhicheverFileItCameFrom(String model) {
    ModelConfigRequest request = ModelConfigRequest.newBuilder().setName(model).build();
    ModelConfig fromPbtxt =
        GRPCInferenceServiceGrpc.newBlockingStub(pbtxtServer.channel())
            .modelConfig(request)
            .getConfig();
    ModelConfig fromYaml =
        GRPCInferenceServiceGrpc.newBlockingStub(yamlServer.channel())
            .modelConfig(request)
            .getConfig();
    assertThat(fromPbtxt).isEqualTo(fromYaml);
    assertThat(fromPbtxt.getName()).isEqualTo(model);
  }

  @ParameterizedTest
  @ValueSource(strings = {"classifier", "token_embed"})
  void referenceRequestsGiveTheSameOutputs(String model) throws IOException {
    JsonNode cases =
        HttpTestClient.JSON
            .readTree(Files.readString(yamlRepo.resolve(model + "/reference.json")))
            .get("cases");
    assertThat(cases.size()).isPositive();
    for (JsonNode reference : cases) {
      String path =
          "/v2/models/" + model + "/versions/" + reference.get("version").asString() + "/infer";
      HttpTestClient.Reply fromPbtxt = pbtxtServer.http().post(path, reference.get("request"));
      HttpTestClient.Reply fromYaml = yamlServer.http().post(path, reference.get("request"));
      assertThat(fromPbtxt.status()).as(fromPbtxt.body()).isEqualTo(200);
      assertThat(fromPbtxt.json().get("outputs")).isEqualTo(fromYaml.json().get("outputs"));
    }
  }

  @Test
  void labelsFromThePbtxtServeTheClassificationExtension() {
    String body =
        "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\","
            + "\"data\":[0.1,-0.2,0.3,1.5]}],"
            + "\"outputs\":[{\"name\":\"probabilities\",\"parameters\":{\"classification\":2}}]}";
    HttpTestClient.Reply fromPbtxt = pbtxtServer.http().post("/v2/models/classifier/infer", body);
    HttpTestClient.Reply fromYaml = yamlServer.http().post("/v2/models/classifier/infer", body);
    assertThat(fromPbtxt.status()).as(fromPbtxt.body()).isEqualTo(200);
    assertThat(fromPbtxt.json().get("outputs")).isEqualTo(fromYaml.json().get("outputs"));
    assertThat(fromPbtxt.json().get("outputs").get(0).get("data").get(0).asString()).contains(":");
  }

  @Test
  void tritonsEnsembleExampleLoadsAndNamesItsMissingSteps() {
    // Triton's documentation example uses models this repository does not have: it is read and
    // checked, and the check names the first step model that is not loaded.
    JsonNode row = indexRow("pipeline");
    assertThat(row.get("state").asString()).isEqualTo("UNAVAILABLE");
    assertThat(row.get("reason").asString())
        .contains("ensemble")
        .contains("image_preprocess_model")
        .contains("not loaded");
  }

  @Test
  void configYamlWinsOverConfigPbtxt() {
    JsonNode config = pbtxtServer.http().get("/v2/models/both/config").json();
    assertThat(config.get("max_batch_size").asInt()).isEqualTo(2);
  }

  private static JsonNode indexRow(String model) {
    for (JsonNode row : pbtxtServer.http().post("/v2/repository/index", "{}").json()) {
      if (row.get("name").asString().equals(model)) {
        return row;
      }
    }
    throw new AssertionError("no index row for " + model);
  }
}
