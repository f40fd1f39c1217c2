package org.modelserver.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.server.grpc.GrpcTestClient.failure;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.grpc.v2.ModelConfigRequest;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelMetadataRequest;
import org.modelserver.grpc.v2.ModelReadyRequest;
import org.modelserver.grpc.v2.ModelStatisticsRequest;
import org.modelserver.grpc.v2.RepositoryIndexRequest;
import org.modelserver.grpc.v2.RepositoryIndexResponse.ModelIndex;
import org.modelserver.grpc.v2.ServerReadyRequest;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.TestRepos;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The gRPC counterparts of UnavailableModelsTest (broken models are UNAVAILABLE with their reason
 * and never stop the good ones), and the message size limit.
 */
class GrpcUnavailableModelsTest {
  @TempDir static Path repo;
  private static ConfigurableApplicationContext server;
  private static GrpcTestClient grpc;

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
    Files.createDirectories(repo.resolve("no_versions/notes"));
    TestRepos.copyModel("token_embed", repo);
    Files.createDirectories(repo.resolve("token_embed/2"));
    Files.writeString(repo.resolve("token_embed/2/model.onnx"), "garbage");
    Files.writeString(
        repo.resolve("token_embed/config.yaml"),
        Files.readString(repo.resolve("token_embed/config.yaml"))
            + "version_policy:\n  latest: {num_versions: 2}\n");

    server =
        TestRepos.start(
            "--model-repository=" + repo, "--grpc-port=0", "--grpc-max-message-size=4KB");
    grpc = GrpcTestClient.of(server);
  }

  @AfterAll
  static void stop() {
    grpc.close();
    server.close();
  }

  private static ModelInferRequest features(String model, String version) {
    return GrpcTestClient.request(
        model,
        version,
        HttpTestClient.JSON.readTree(
            "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\","
                + "\"data\":[1,2,3,4]}]}"),
        false);
  }

  @Test
  void goodModelServesBesideBrokenOnes() {
    assertThat(grpc.stub().modelInfer(features("classifier", "")).getModelVersion()).isEqualTo("2");
  }

  @Test
  void serverIsNotReadyAndHealthSaysNotServing() {
    assertThat(grpc.stub().serverReady(ServerReadyRequest.getDefaultInstance()).getReady())
        .isFalse();
    assertThat(
            HealthGrpc.newBlockingStub(grpc.channel)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
  }

  @Test
  void inferOnUnavailableModelIsUnavailableWithReason() {
    Status status = failure(() -> grpc.stub().modelInfer(features("corrupt", "")));
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).contains("corrupt").contains("no ready version");
    Status badConfig = failure(() -> grpc.stub().modelInfer(features("bad_config", "")));
    assertThat(badConfig.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(badConfig.getDescription()).contains("favourite_colour");
  }

  @Test
  void unavailableModelIsNotReadyAndHasNoMetadata() {
    assertThat(
            grpc.stub()
                .modelReady(ModelReadyRequest.newBuilder().setName("corrupt").build())
                .getReady())
        .isFalse();
    assertThat(
            grpc.stub()
                .modelReady(ModelReadyRequest.newBuilder().setName("no_versions").build())
                .getReady())
        .isFalse();
    Status metadata =
        failure(
            () ->
                grpc.stub()
                    .modelMetadata(ModelMetadataRequest.newBuilder().setName("corrupt").build()));
    assertThat(metadata.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    Status config =
        failure(
            () ->
                grpc.stub()
                    .modelConfig(ModelConfigRequest.newBuilder().setName("corrupt").build()));
    assertThat(config.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void brokenNewVersionLeavesOlderVersionServing() {
    ModelInferRequest tokens =
        GrpcTestClient.request(
            "token_embed",
            "",
            HttpTestClient.JSON.readTree(
                "{\"inputs\":[{\"name\":\"token_ids\",\"shape\":[1,3],\"datatype\":\"INT64\","
                    + "\"data\":[1,2,3]}]}"),
            true);
    assertThat(grpc.stub().modelInfer(tokens).getModelVersion()).isEqualTo("1");
    assertThat(
            grpc.stub()
                .modelReady(
                    ModelReadyRequest.newBuilder().setName("token_embed").setVersion("2").build())
                .getReady())
        .isFalse();
    Status v2 =
        failure(() -> grpc.stub().modelInfer(tokens.toBuilder().setModelVersion("2").build()));
    assertThat(v2.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(v2.getDescription()).contains("version 2 is not ready");
  }

  @Test
  void statisticsCoverOnlyReadyVersions() {
    assertThat(
            grpc
                .stub()
                .modelStatistics(ModelStatisticsRequest.getDefaultInstance())
                .getModelStatsList()
                .stream()
                .map(s -> s.getName() + ":" + s.getVersion())
                .toList())
        .containsExactly("classifier:1", "classifier:2", "token_embed:1");
    Status corrupt =
        failure(
            () ->
                grpc.stub()
                    .modelStatistics(
                        ModelStatisticsRequest.newBuilder().setName("corrupt").build()));
    assertThat(corrupt.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    Status v2 =
        failure(
            () ->
                grpc.stub()
                    .modelStatistics(
                        ModelStatisticsRequest.newBuilder()
                            .setName("token_embed")
                            .setVersion("2")
                            .build()));
    assertThat(v2.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(v2.getDescription()).contains("version 2 is not ready");
  }

  @Test
  void repositoryIndexShowsStatesAndReasons() {
    var index =
        grpc.stub().repositoryIndex(RepositoryIndexRequest.getDefaultInstance()).getModelsList();
    assertThat(index.stream().map(m -> m.getName() + ":" + m.getVersion() + ":" + m.getState()))
        .contains(
            "classifier:1:READY",
            "classifier:2:READY",
            "corrupt:1:UNAVAILABLE",
            "no_versions::UNAVAILABLE",
            "token_embed:1:READY",
            "token_embed:2:UNAVAILABLE");
    ModelIndex corrupt =
        index.stream().filter(m -> m.getName().equals("corrupt")).findFirst().orElseThrow();
    assertThat(corrupt.getReason()).contains("ONNX Runtime cannot load model.onnx");
    ModelIndex noVersions =
        index.stream().filter(m -> m.getName().equals("no_versions")).findFirst().orElseThrow();
    assertThat(noVersions.getReason()).contains("no version folders");
    assertThat(
            grpc
                .stub()
                .repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(true).build())
                .getModelsList()
                .stream()
                .map(m -> m.getName() + ":" + m.getVersion()))
        .containsExactly("classifier:1", "classifier:2", "token_embed:1");
  }

  @Test
  void messageOverTheSizeLimitIsResourceExhausted() {
    ModelInferRequest request =
        features("classifier", "").toBuilder().setId("x".repeat(8 * 1024)).build();
    Status status = failure(() -> grpc.stub().modelInfer(request));
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains("4096");
    // the server goes on serving on the same channel
    assertThat(grpc.stub().modelInfer(features("classifier", "")).getModelVersion()).isEqualTo("2");
    ByteString big = ByteString.copyFrom(new byte[4 * 1024]);
    Status raw =
        failure(
            () ->
                grpc.stub()
                    .modelInfer(
                        features("classifier", "").toBuilder()
                            .setInputs(
                                0,
                                features("classifier", "").getInputs(0).toBuilder().clearContents())
                            .addRawInputContents(big)
                            .build()));
    assertThat(raw.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
  }
}
