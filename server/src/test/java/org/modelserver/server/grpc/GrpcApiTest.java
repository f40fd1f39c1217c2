package org.modelserver.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.server.grpc.GrpcTestClient.failure;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.modelserver.grpc.v2.InferTensorContents;
import org.modelserver.grpc.v2.ModelConfig;
import org.modelserver.grpc.v2.ModelConfigRequest;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelInferRequest.InferInputTensor;
import org.modelserver.grpc.v2.ModelInferRequest.InferRequestedOutputTensor;
import org.modelserver.grpc.v2.ModelMetadataRequest;
import org.modelserver.grpc.v2.ModelMetadataResponse;
import org.modelserver.grpc.v2.ModelReadyRequest;
import org.modelserver.grpc.v2.ModelStatistics;
import org.modelserver.grpc.v2.ModelStatisticsRequest;
import org.modelserver.grpc.v2.ModelStatisticsResponse;
import org.modelserver.grpc.v2.RepositoryIndexRequest;
import org.modelserver.grpc.v2.RepositoryIndexResponse;
import org.modelserver.grpc.v2.RepositoryModelLoadRequest;
import org.modelserver.grpc.v2.RepositoryModelUnloadRequest;
import org.modelserver.grpc.v2.ServerLiveRequest;
import org.modelserver.grpc.v2.ServerMetadataRequest;
import org.modelserver.grpc.v2.ServerMetadataResponse;
import org.modelserver.grpc.v2.ServerReadyRequest;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.TestRepos;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Every RPC of {@code inference.GRPCInferenceService} but inference on the example models, the gRPC
 * counterparts of the REST API's errors, and the health and reflection services.
 */
class GrpcApiTest {
  private static ConfigurableApplicationContext server;
  private static GrpcTestClient grpc;
  private static HttpTestClient http;

  @BeforeAll
  static void start() {
    server = TestRepos.start("--model-repository=" + TestRepos.exampleRepo(), "--grpc-port=0");
    grpc = GrpcTestClient.of(server);
    http = TestRepos.client(server);
  }

  @AfterAll
  static void stop() {
    grpc.close();
    server.close();
  }

  // ---- health, metadata, configuration, statistics, repository ----

  @Test
  void serverIsLiveAndReady() {
    assertThat(grpc.stub().serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    assertThat(grpc.stub().serverReady(ServerReadyRequest.getDefaultInstance()).getReady())
        .isTrue();
  }

  @Test
  void serverMetadataEqualsRest() {
    ServerMetadataResponse metadata =
        grpc.stub().serverMetadata(ServerMetadataRequest.getDefaultInstance());
    JsonNode rest = http.get("/v2").json();
    assertThat(metadata.getName()).isEqualTo(rest.get("name").stringValue());
    assertThat(metadata.getVersion()).isEqualTo(rest.get("version").stringValue());
    List<String> extensions = new ArrayList<>();
    rest.get("extensions").forEach(e -> extensions.add(e.stringValue()));
    assertThat(metadata.getExtensionsList()).containsExactlyElementsOf(extensions);
  }

  @Test
  void modelMetadataEqualsRest() {
    for (String[] model :
        new String[][] {
          {"classifier", ""},
          {"classifier", "1"},
          {"mixed_io", "1"},
          {"token_embed", ""},
          {"identity_types", ""},
          {"mixed_io_torch", ""}
        }) {
      ModelMetadataResponse metadata =
          grpc.stub()
              .modelMetadata(
                  ModelMetadataRequest.newBuilder().setName(model[0]).setVersion(model[1]).build());
      JsonNode rest =
          http.get("/v2/models/" + model[0] + (model[1].isEmpty() ? "" : "/versions/" + model[1]))
              .json();
      assertThat(metadata.getName()).isEqualTo(rest.get("name").stringValue());
      assertThat(metadata.getPlatform()).isEqualTo(rest.get("platform").stringValue());
      assertThat(metadata.getVersionsList().toString().replace(" ", ""))
          .isEqualTo(rest.get("versions").toString().replace("\"", ""));
      assertThat(tensors(metadata.getInputsList())).isEqualTo(rest.get("inputs").toString());
      assertThat(tensors(metadata.getOutputsList())).isEqualTo(rest.get("outputs").toString());
    }
  }

  private static String tensors(List<ModelMetadataResponse.TensorMetadata> tensors) {
    StringBuilder json = new StringBuilder("[");
    for (ModelMetadataResponse.TensorMetadata tensor : tensors) {
      json.append(json.length() > 1 ? "," : "")
          .append("{\"name\":\"")
          .append(tensor.getName())
          .append("\",\"datatype\":\"")
          .append(tensor.getDatatype())
          .append("\",\"shape\":")
          .append(tensor.getShapeList().toString().replace(" ", ""))
          .append('}');
    }
    return json.append(']').toString();
  }

  @Test
  void modelMetadataErrors() {
    Status unknown =
        failure(
            () ->
                grpc.stub()
                    .modelMetadata(ModelMetadataRequest.newBuilder().setName("nope").build()));
    assertThat(unknown.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(unknown.getDescription()).contains("unknown model 'nope'");
    Status badVersion =
        failure(
            () ->
                grpc.stub()
                    .modelMetadata(
                        ModelMetadataRequest.newBuilder()
                            .setName("classifier")
                            .setVersion("v1")
                            .build()));
    assertThat(badVersion.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(badVersion.getDescription()).contains("model version 'v1' is not valid");
    Status noVersion =
        failure(
            () ->
                grpc.stub()
                    .modelMetadata(
                        ModelMetadataRequest.newBuilder()
                            .setName("classifier")
                            .setVersion("3")
                            .build()));
    assertThat(noVersion.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(noVersion.getDescription()).contains("no version 3");
    Status noName =
        failure(() -> grpc.stub().modelMetadata(ModelMetadataRequest.getDefaultInstance()));
    assertThat(noName.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void modelReadiness() {
    assertThat(ready("classifier", "")).isTrue();
    assertThat(ready("classifier", "1")).isTrue();
    Status unknown = failure(() -> ready("nope", ""));
    assertThat(unknown.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    Status noVersion = failure(() -> ready("classifier", "3"));
    assertThat(noVersion.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    Status badVersion = failure(() -> ready("classifier", "0"));
    assertThat(badVersion.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  private static boolean ready(String name, String version) {
    return grpc.stub()
        .modelReady(ModelReadyRequest.newBuilder().setName(name).setVersion(version).build())
        .getReady();
  }

  @Test
  void modelConfigEqualsRest() {
    for (String model : new String[] {"classifier", "mixed_io", "token_embed", "mixed_io_torch"}) {
      ModelConfig config =
          grpc.stub()
              .modelConfig(ModelConfigRequest.newBuilder().setName(model).build())
              .getConfig();
      JsonNode rest = http.get("/v2/models/" + model + "/config").json();
      assertThat(config.getName()).isEqualTo(rest.get("name").stringValue());
      assertThat(config.getPlatform()).isEqualTo(rest.get("platform").stringValue());
      assertThat(config.getMaxBatchSize()).isEqualTo(rest.get("max_batch_size").intValue());
      assertThat(config.getInputCount()).isEqualTo(rest.get("input").size());
      for (int i = 0; i < config.getInputCount(); i++) {
        JsonNode input = rest.get("input").get(i);
        assertThat(config.getInput(i).getName()).isEqualTo(input.get("name").stringValue());
        assertThat(config.getInput(i).getDataType().name())
            .isEqualTo(input.get("data_type").stringValue());
        assertThat(config.getInput(i).getDimsList().toString().replace(" ", ""))
            .isEqualTo(input.get("dims").toString());
      }
      assertThat(config.getOutputCount()).isEqualTo(rest.get("output").size());
      for (int i = 0; i < config.getOutputCount(); i++) {
        JsonNode output = rest.get("output").get(i);
        assertThat(config.getOutput(i).getName()).isEqualTo(output.get("name").stringValue());
        assertThat(config.getOutput(i).getDataType().name())
            .isEqualTo(output.get("data_type").stringValue());
        assertThat(config.getOutput(i).getDimsList().toString().replace(" ", ""))
            .isEqualTo(output.get("dims").toString());
      }
      JsonNode policy = rest.get("version_policy");
      if (policy.has("latest")) {
        assertThat(config.getVersionPolicy().getLatest().getNumVersions())
            .isEqualTo(policy.get("latest").get("num_versions").intValue());
      } else if (policy.has("specific")) {
        assertThat(config.getVersionPolicy().getSpecific().getVersionsList().toString())
            .isEqualTo(policy.get("specific").get("versions").toString().replace(",", ", "));
      } else {
        assertThat(config.getVersionPolicy().hasAll()).isTrue();
      }
      assertThat(config.getDefaultModelFilename())
          .isEqualTo(
              rest.has("default_model_filename")
                  ? rest.get("default_model_filename").stringValue()
                  : "");
    }
    Status unknown =
        failure(
            () -> grpc.stub().modelConfig(ModelConfigRequest.newBuilder().setName("nope").build()));
    assertThat(unknown.getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void anUnknownModelIsNotFoundEvenWhenTheRequestIsAlsoMalformed() {
    // No inputs at all would be INVALID_ARGUMENT for a known model.
    ModelInferRequest empty = ModelInferRequest.newBuilder().setModelName("nope").build();
    assertThat(failure(() -> grpc.stub().modelInfer(empty)).getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
    ModelInferRequest noVersion =
        ModelInferRequest.newBuilder().setModelName("classifier").setModelVersion("3").build();
    Status status = failure(() -> grpc.stub().modelInfer(noVersion));
    assertThat(status.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(status.getDescription()).contains("no version 3");
  }

  @Test
  void statisticsEqualRest() {
    grpc.stub().modelInfer(classifier("[1,4]", "1,2,3,4").toBuilder().setModelVersion("1").build());
    ModelStatisticsResponse all =
        grpc.stub().modelStatistics(ModelStatisticsRequest.getDefaultInstance());
    assertStatistics(all, http.get("/v2/models/stats").json());
    ModelStatisticsResponse model =
        grpc.stub()
            .modelStatistics(ModelStatisticsRequest.newBuilder().setName("classifier").build());
    assertThat(model.getModelStatsCount()).isEqualTo(2);
    assertStatistics(model, http.get("/v2/models/classifier/stats").json());
    ModelStatisticsResponse version =
        grpc.stub()
            .modelStatistics(
                ModelStatisticsRequest.newBuilder().setName("classifier").setVersion("1").build());
    assertStatistics(version, http.get("/v2/models/classifier/versions/1/stats").json());
    ModelStatistics stat = version.getModelStats(0);
    assertThat(stat.getInferenceCount()).isGreaterThanOrEqualTo(1);
    assertThat(stat.getInferenceStats().getSuccess().getCount()).isGreaterThanOrEqualTo(1);
    assertThat(stat.getBatchStatsCount()).isGreaterThanOrEqualTo(1);

    Status unknown =
        failure(
            () ->
                grpc.stub()
                    .modelStatistics(ModelStatisticsRequest.newBuilder().setName("nope").build()));
    assertThat(unknown.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    Status versionWithoutName =
        failure(
            () ->
                grpc.stub()
                    .modelStatistics(ModelStatisticsRequest.newBuilder().setVersion("1").build()));
    assertThat(versionWithoutName.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  private static void assertStatistics(ModelStatisticsResponse grpcStats, JsonNode rest) {
    JsonNode restStats = rest.get("model_stats");
    assertThat(grpcStats.getModelStatsCount()).isEqualTo(restStats.size());
    for (int i = 0; i < restStats.size(); i++) {
      ModelStatistics stat = grpcStats.getModelStats(i);
      JsonNode json = restStats.get(i);
      assertThat(stat.getName()).isEqualTo(json.get("name").stringValue());
      assertThat(stat.getVersion()).isEqualTo(json.get("version").stringValue());
      // the counters of an idle model stay put between the two calls
      assertThat(stat.getInferenceCount()).isEqualTo(json.get("inference_count").longValue());
      assertThat(stat.getExecutionCount()).isEqualTo(json.get("execution_count").longValue());
      assertThat(stat.getLastInference()).isEqualTo(json.get("last_inference").longValue());
      JsonNode inference = json.get("inference_stats");
      assertThat(stat.getInferenceStats().getSuccess().getCount())
          .isEqualTo(inference.get("success").get("count").longValue());
      assertThat(stat.getInferenceStats().getSuccess().getNs())
          .isEqualTo(inference.get("success").get("ns").longValue());
      assertThat(stat.getInferenceStats().getFail().getCount())
          .isEqualTo(inference.get("fail").get("count").longValue());
      assertThat(stat.getInferenceStats().getComputeInfer().getNs())
          .isEqualTo(inference.get("compute_infer").get("ns").longValue());
      assertThat(stat.getInferenceStats().hasCacheHit()).isTrue();
      assertThat(stat.getBatchStatsCount()).isEqualTo(json.get("batch_stats").size());
      for (int b = 0; b < stat.getBatchStatsCount(); b++) {
        assertThat(stat.getBatchStats(b).getBatchSize())
            .isEqualTo(json.get("batch_stats").get(b).get("batch_size").longValue());
        assertThat(stat.getBatchStats(b).getComputeInfer().getCount())
            .isEqualTo(
                json.get("batch_stats").get(b).get("compute_infer").get("count").longValue());
      }
    }
  }

  @Test
  void repositoryIndexListsEveryVersion() {
    RepositoryIndexResponse index =
        grpc.stub().repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
    List<String> entries =
        index.getModelsList().stream()
            .map(m -> m.getName() + ":" + m.getVersion() + ":" + m.getState())
            .toList();
    assertThat(entries)
        .contains("classifier:1:READY", "classifier:2:READY", "identity_types:1:READY")
        .allMatch(e -> e.endsWith(":READY"));
    assertThat(
            grpc.stub()
                .repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(true).build())
                .getModelsCount())
        .isEqualTo(index.getModelsCount());
  }

  @Test
  void loadAndUnloadAreRefusedInControlModeNone() {
    Status load =
        failure(
            () ->
                grpc.stub()
                    .repositoryModelLoad(
                        RepositoryModelLoadRequest.newBuilder()
                            .setModelName("classifier")
                            .build()));
    assertThat(load.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(load.getDescription()).contains("--model-control-mode=explicit");
    Status unload =
        failure(
            () ->
                grpc.stub()
                    .repositoryModelUnload(
                        RepositoryModelUnloadRequest.newBuilder()
                            .setModelName("classifier")
                            .build()));
    assertThat(unload.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
  }

  @Test
  void healthServiceSaysServing() {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(grpc.channel);
    assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(
            health
                .check(
                    HealthCheckRequest.newBuilder()
                        .setService("inference.GRPCInferenceService")
                        .build())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    Status unknown =
        failure(() -> health.check(HealthCheckRequest.newBuilder().setService("nope").build()));
    assertThat(unknown.getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void reflectionListsTheServices() throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(grpc.channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse value) {
                    answer.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    ServerReflectionResponse response = answer.get(30, TimeUnit.SECONDS);
    requests.onCompleted();
    assertThat(
            response.getListServicesResponse().getServiceList().stream()
                .map(ServiceResponse::getName)
                .toList())
        .contains(
            "inference.GRPCInferenceService",
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection");
  }

  // ---- inference errors: the gRPC counterparts of InferenceErrorsTest ----

  private static ModelInferRequest classifier(String shape, String data) {
    return GrpcTestClient.request(
        "classifier",
        "",
        HttpTestClient.JSON.readTree(
            "{\"inputs\":[{\"name\":\"features\",\"shape\":"
                + shape
                + ",\"datatype\":\"FP32\",\"data\":["
                + data
                + "]}]}"),
        false);
  }

  private static ModelInferRequest mixed(String kShape, String kData) {
    return GrpcTestClient.request(
        "mixed_io",
        "",
        HttpTestClient.JSON.readTree(
            "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]},"
                + "{\"name\":\"k\",\"shape\":"
                + kShape
                + ",\"datatype\":\"INT64\",\"data\":["
                + kData
                + "]}]}"),
        false);
  }

  private static InferInputTensor.Builder input(String name, String datatype, long... shape) {
    InferInputTensor.Builder input =
        InferInputTensor.newBuilder().setName(name).setDatatype(datatype);
    for (long dim : shape) {
      input.addShape(dim);
    }
    return input;
  }

  private static String invalid(ModelInferRequest request) {
    Status status = failure(() -> grpc.stub().modelInfer(request));
    assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    return status.getDescription();
  }

  private static ModelInferRequest withInput(
      ModelInferRequest request, int index, InferInputTensor.Builder input) {
    return request.toBuilder().setInputs(index, input).build();
  }

  @Test
  void validRequestSucceeds() {
    assertThat(grpc.stub().modelInfer(classifier("[1,4]", "1,2,3,4")).getModelVersion())
        .isEqualTo("2");
  }

  @Test
  void unknownInputName() {
    ModelInferRequest request = classifier("[1,4]", "1,2,3,4");
    assertThat(invalid(withInput(request, 0, request.getInputs(0).toBuilder().setName("featurez"))))
        .contains("unknown input 'featurez'")
        .contains("[features]");
  }

  @Test
  void missingInput() {
    ModelInferRequest request = mixed("[1,4]", "1,2,3,4").toBuilder().removeInputs(1).build();
    assertThat(invalid(request)).contains("missing input 'k'");
  }

  @Test
  void duplicateInput() {
    ModelInferRequest request = classifier("[1,4]", "1,2,3,4");
    assertThat(invalid(request.toBuilder().addInputs(request.getInputs(0)).build()))
        .contains("'features' appears twice");
  }

  @Test
  void shapeNotMatchingModelDims() {
    assertThat(invalid(classifier("[1,5]", "1,2,3,4,5")))
        .contains("input 'features' has shape [1,5]")
        .contains("expects [-1,4]");
    assertThat(invalid(classifier("[4]", "1,2,3,4"))).contains("shape [4]").contains("[-1,4]");
  }

  @Test
  void datatypeMismatch() {
    ModelInferRequest request = classifier("[1,4]", "1,2,3,4");
    InferInputTensor.Builder fp64 =
        input("features", "FP64", 1, 4)
            .setContents(
                InferTensorContents.newBuilder().addAllFp64Contents(List.of(1d, 2d, 3d, 4d)));
    assertThat(invalid(withInput(request, 0, fp64)))
        .contains("datatype FP64")
        .contains("expects FP32");
  }

  @Test
  void unknownDatatype() {
    ModelInferRequest request = classifier("[1,4]", "1,2,3,4");
    assertThat(
            invalid(withInput(request, 0, request.getInputs(0).toBuilder().setDatatype("FLOAT"))))
        .contains("unknown datatype")
        .contains("FP32");
    assertThat(invalid(withInput(request, 0, request.getInputs(0).toBuilder().setDatatype("fp32"))))
        .contains("unknown datatype");
  }

  @Test
  void elementCountNotMatchingShape() {
    assertThat(invalid(classifier("[2,4]", "1,2,3,4"))).contains("4 elements").contains("needs 8");
    ModelInferRequest raw =
        classifier("[2,4]", "1,2,3,4").toBuilder()
            .setInputs(0, input("features", "FP32", 2, 4))
            .addRawInputContents(ByteString.copyFrom(new byte[16]))
            .build();
    assertThat(invalid(raw)).contains("16 bytes").contains("needs 32");
  }

  @Test
  void hugeShapeIsRejectedWithoutAllocating() {
    // checked against the model's config before any tensor memory is reserved
    assertThat(invalid(classifier("[9223372036854775807,4]", "1,2,3,4")))
        .contains("max_batch_size 32");
    ModelInferRequest raw =
        classifier("[1,4]", "1,2,3,4").toBuilder()
            .setInputs(0, input("features", "FP32", Long.MAX_VALUE, 4))
            .addRawInputContents(ByteString.copyFrom(new byte[16]))
            .build();
    assertThat(invalid(raw)).contains("max_batch_size 32");
  }

  @Test
  void negativeShape() {
    ModelInferRequest request = classifier("[1,4]", "1,2,3,4");
    InferInputTensor.Builder negative =
        request.getInputs(0).toBuilder().clearShape().addShape(-1).addShape(4);
    assertThat(invalid(withInput(request, 0, negative))).contains("non-negative integers");
  }

  @Test
  void batchLargerThanMaxBatchSize() {
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < 33 * 4; i++) {
      data.append(i == 0 ? "" : ",").append(i);
    }
    assertThat(invalid(classifier("[33,4]", data.toString())))
        .contains("batch size 33")
        .contains("max_batch_size 32");
  }

  @Test
  void batchSizesDisagreeAcrossInputs() {
    assertThat(invalid(mixed("[2,4]", "1,2,3,4,5,6,7,8"))).contains("batch size");
  }

  @Test
  void smallIntegerTypesAreRangeChecked() {
    ModelInferRequest int8 =
        ModelInferRequest.newBuilder()
            .setModelName("identity_types")
            .addInputs(
                input("int8_in", "INT8", 1, 1)
                    .setContents(InferTensorContents.newBuilder().addIntContents(128)))
            .build();
    assertThat(invalid(int8))
        .contains("input 'int8_in'")
        .contains("out of range for INT8 (-128..127)");
    ModelInferRequest uint8 =
        ModelInferRequest.newBuilder()
            .setModelName("identity_types")
            .addInputs(
                input("uint8_in", "UINT8", 1, 1)
                    .setContents(InferTensorContents.newBuilder().addUintContents(256)))
            .build();
    assertThat(invalid(uint8)).contains("out of range for UINT8 (0..255)");
    ModelInferRequest int16 =
        ModelInferRequest.newBuilder()
            .setModelName("identity_types")
            .addInputs(
                input("int16_in", "INT16", 1, 1)
                    .setContents(InferTensorContents.newBuilder().addIntContents(-40000)))
            .build();
    assertThat(invalid(int16)).contains("out of range for INT16 (-32768..32767)");
  }

  @Test
  void rawBoolMustBeZeroOrOne() {
    ModelInferRequest request =
        ModelInferRequest.newBuilder()
            .setModelName("identity_types")
            .addInputs(input("bool_in", "BOOL", 1, 1))
            .addRawInputContents(ByteString.copyFrom(new byte[] {2}))
            .build();
    assertThat(invalid(request)).contains("input 'bool_in'").contains("out of range for BOOL");
  }

  @Test
  void contentsInTheWrongFieldAreRejected() {
    ModelInferRequest request = classifier("[1,4]", "1,2,3,4");
    InferInputTensor.Builder wrong =
        input("features", "FP32", 1, 4)
            .setContents(
                InferTensorContents.newBuilder().addAllInt64Contents(List.of(1L, 2L, 3L, 4L)));
    assertThat(invalid(withInput(request, 0, wrong)))
        .contains("fp32_contents")
        .contains("int64_contents");
  }

  @Test
  void fp16HasNoTypedContents() {
    ModelInferRequest request = classifier("[1,4]", "1,2,3,4");
    InferInputTensor.Builder fp16 =
        input("features", "FP16", 1, 4)
            .setContents(
                InferTensorContents.newBuilder().addAllFp32Contents(List.of(1f, 2f, 3f, 4f)));
    // the model's datatype is checked before the contents are decoded
    assertThat(invalid(withInput(request, 0, fp16))).contains("datatype FP16").contains("FP32");
    // sent raw, the same
    ModelInferRequest raw =
        request.toBuilder()
            .setInputs(0, input("features", "FP16", 1, 4))
            .addRawInputContents(ByteString.copyFrom(new byte[8]))
            .build();
    assertThat(invalid(raw)).contains("datatype FP16").contains("expects FP32");
  }

  @Test
  void inputWithoutData() {
    ModelInferRequest request =
        ModelInferRequest.newBuilder()
            .setModelName("classifier")
            .addInputs(input("features", "FP32", 1, 4))
            .build();
    assertThat(invalid(request)).contains("has no data");
  }

  @Test
  void rawAndTypedContentsCannotBeMixed() {
    ModelInferRequest request =
        classifier("[1,4]", "1,2,3,4").toBuilder()
            .addRawInputContents(ByteString.copyFrom(new byte[16]))
            .build();
    assertThat(invalid(request)).contains("raw_input_contents").contains("'contents'");
  }

  @Test
  void rawContentsCountMustMatchInputs() {
    ModelInferRequest request =
        mixed("[1,4]", "1,2,3,4").toBuilder()
            .setInputs(0, input("x", "FP32", 1, 4))
            .setInputs(1, input("k", "INT64", 1, 4))
            .addRawInputContents(ByteString.copyFrom(new byte[16]))
            .build();
    assertThat(invalid(request)).contains("raw_input_contents has 1 entries").contains("2 inputs");
  }

  @Test
  void truncatedRawBytesAreRejected() {
    ModelInferRequest request =
        ModelInferRequest.newBuilder()
            .setModelName("identity_types")
            .addInputs(input("bytes_in", "BYTES", 1, 2))
            .addRawInputContents(ByteString.copyFrom(new byte[] {5, 0, 0, 0, 'a', 'b', 1, 0, 0, 0}))
            .build();
    assertThat(invalid(request)).contains("input 'bytes_in'").contains("BYTES");
  }

  @Test
  void missingNames() {
    assertThat(invalid(classifier("[1,4]", "1,2,3,4").toBuilder().setModelName("").build()))
        .contains("model_name");
    ModelInferRequest request = classifier("[1,4]", "1,2,3,4");
    assertThat(invalid(withInput(request, 0, request.getInputs(0).toBuilder().setName(""))))
        .contains("missing 'name'");
    assertThat(invalid(request.toBuilder().clearInputs().build())).contains("'inputs' is required");
  }

  @Test
  void unknownRequestedOutput() {
    ModelInferRequest request =
        classifier("[1,4]", "1,2,3,4").toBuilder()
            .addOutputs(InferRequestedOutputTensor.newBuilder().setName("logits"))
            .build();
    assertThat(invalid(request)).contains("unknown output 'logits'").contains("[probabilities]");
    ModelInferRequest twice =
        classifier("[1,4]", "1,2,3,4").toBuilder()
            .addOutputs(InferRequestedOutputTensor.newBuilder().setName("probabilities"))
            .addOutputs(InferRequestedOutputTensor.newBuilder().setName("probabilities"))
            .build();
    assertThat(invalid(twice)).contains("requested twice");
  }

  @Test
  void modelRejectingValuesIsInvalidArgumentNotInternal() {
    ModelInferRequest onnx =
        GrpcTestClient.request(
            "token_embed",
            "",
            HttpTestClient.JSON.readTree(
                "{\"inputs\":[{\"name\":\"token_ids\",\"shape\":[1,2],\"datatype\":\"INT64\",\"data\":[1,200]}]}"),
            false);
    assertThat(invalid(onnx)).contains("indices");
    assertThat(invalid(onnx.toBuilder().setModelName("token_embed_torch").build()))
        .contains("the model rejected the input");
  }

  @Test
  void unknownModelAndVersionAreNotFound() {
    Status model =
        failure(
            () ->
                grpc.stub()
                    .modelInfer(
                        classifier("[1,4]", "1,2,3,4").toBuilder().setModelName("nope").build()));
    assertThat(model.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(model.getDescription()).contains("unknown model 'nope'");
    Status version =
        failure(
            () ->
                grpc.stub()
                    .modelInfer(
                        classifier("[1,4]", "1,2,3,4").toBuilder().setModelVersion("3").build()));
    assertThat(version.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(version.getDescription()).contains("no version 3");
    assertThat(invalid(classifier("[1,4]", "1,2,3,4").toBuilder().setModelVersion("01").build()))
        .contains("model version '01' is not valid");
  }

  @Test
  void explicitVersionIsUsed() {
    assertThat(
            grpc.stub()
                .modelInfer(classifier("[1,4]", "1,2,3,4").toBuilder().setModelVersion("1").build())
                .getModelVersion())
        .isEqualTo("1");
  }

  @Test
  void torchScriptModelValidatesLikeOnnx() {
    assertThat(
            invalid(
                classifier("[1,5]", "1,2,3,4,5").toBuilder()
                    .setModelName("classifier_torch")
                    .build()))
        .contains("input 'features' has shape [1,5]")
        .contains("expects [-1,4]");
  }
}
