package org.modelserver.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.modelserver.server.grpc.GrpcTestClient.failure;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.InferParameter;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelInferResponse;
import org.modelserver.grpc.v2.ModelStreamInferResponse;
import org.modelserver.runtime.testsupport.ReferenceJson;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.TestRepos;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * ModelInfer and ModelStreamInfer on the example models: PyTorch's reference outputs, with typed
 * contents and with raw contents, and the same answer as the REST API for the same request.
 */
class GrpcInferenceTest {
  private static final float FP32_TOLERANCE = 1e-5f;

  private static ConfigurableApplicationContext server;
  private static GrpcTestClient grpc;
  private static HttpTestClient http;

  @BeforeAll
  static void start() {
    server = TestRepos.start("--model-repository=" + TestRepos.exampleRepo(), "--grpc-port=0");
    grpc = GrpcTestClient.of(server);
    http = new HttpTestClient(TestRepos.port(server));
  }

  @AfterAll
  static void stop() {
    grpc.close();
    server.close();
  }

  static Stream<Arguments> referenceCases() {
    List<Arguments> cases = new ArrayList<>();
    for (ReferenceJson reference : ReferenceJson.all()) {
      for (boolean raw : new boolean[] {false, true}) {
        cases.add(
            Arguments.of(
                reference.model(),
                reference.version(),
                reference.id(),
                raw ? "raw_input_contents" : "contents",
                reference.testCase()));
      }
    }
    assertThat(cases).as("reference cases in model-repo").hasSizeGreaterThanOrEqualTo(8);
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} v{1} {2} {3}")
  @MethodSource("referenceCases")
  void outputsMatchPyTorchAndRest(
      String model, String version, String id, String form, JsonNode testCase) {
    JsonNode request = testCase.get("request");
    ModelInferResponse response =
        grpc.stub()
            .modelInfer(
                GrpcTestClient.request(model, version, request, form.equals("raw_input_contents")));

    assertThat(response.getModelName()).isEqualTo(model);
    assertThat(response.getModelVersion()).isEqualTo(version);
    assertThat(response.getId()).isEqualTo(id);
    assertThat(response.getRawOutputContentsCount()).isEqualTo(response.getOutputsCount());
    JsonNode actual = GrpcTestClient.json(response);
    JsonNode expectedOutputs = testCase.get("response").get("outputs");
    assertThat(actual.get("outputs").size()).isEqualTo(expectedOutputs.size());
    for (JsonNode expected : expectedOutputs) {
      assertOutput(expected, find(actual.get("outputs"), expected.get("name").stringValue()), true);
    }

    HttpTestClient.Reply rest =
        http.post("/v2/models/" + model + "/versions/" + version + "/infer", request);
    assertThat(rest.status()).as(rest.body()).isEqualTo(200);
    JsonNode restBody = rest.json();
    assertThat(actual.get("model_name")).isEqualTo(restBody.get("model_name"));
    assertThat(actual.get("model_version")).isEqualTo(restBody.get("model_version"));
    assertThat(actual.get("id")).isEqualTo(restBody.get("id"));
    assertThat(actual.get("outputs").size()).isEqualTo(restBody.get("outputs").size());
    for (int i = 0; i < restBody.get("outputs").size(); i++) {
      assertOutput(restBody.get("outputs").get(i), actual.get("outputs").get(i), false);
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

  /** Equal outputs; FP32 within the reference tolerance, or exactly when comparing with REST. */
  private static void assertOutput(JsonNode expected, JsonNode actual, boolean tolerant) {
    String name = expected.get("name").stringValue();
    String datatype = expected.get("datatype").stringValue();
    assertThat(actual.get("name").stringValue()).isEqualTo(name);
    assertThat(actual.get("datatype").stringValue()).as(name).isEqualTo(datatype);
    assertThat(actual.get("shape").toString()).as(name).isEqualTo(expected.get("shape").toString());
    JsonNode want = expected.get("data");
    JsonNode got = actual.get("data");
    assertThat(got.size()).as(name + " element count").isEqualTo(want.size());
    for (int i = 0; i < want.size(); i++) {
      String where = name + "[" + i + "]";
      switch (datatype) {
        case "FP32" -> {
          if (tolerant) {
            assertThat(got.get(i).floatValue())
                .as(where)
                .isCloseTo(want.get(i).floatValue(), within(FP32_TOLERANCE));
          } else {
            assertThat(got.get(i).floatValue()).as(where).isEqualTo(want.get(i).floatValue());
          }
        }
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

  private static ModelInferRequest classifierRequest(String id, float... features) {
    JsonNode json =
        HttpTestClient.JSON.readTree(
            "{\"id\":\""
                + id
                + "\",\"inputs\":[{\"name\":\"features\",\"shape\":[1,"
                + features.length
                + "],\"datatype\":\"FP32\",\"data\":"
                + java.util.Arrays.toString(features)
                + "}]}");
    return GrpcTestClient.request("classifier", "", json, false);
  }

  @Test
  void requestWithoutVersionGoesToTheNewestAndWithoutIdHasNone() {
    ModelInferResponse response =
        grpc.stub().modelInfer(classifierRequest("x", 1, 2, 3, 4).toBuilder().clearId().build());
    assertThat(response.getModelVersion()).isEqualTo("2");
    assertThat(response.getId()).isEmpty();
    assertThat(response.getOutputs(0).getShapeList()).containsExactly(1L, 3L);
  }

  @Test
  void requestedOutputsSelectAndOrder() {
    JsonNode json =
        HttpTestClient.JSON.readTree(
            "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]},"
                + "{\"name\":\"k\",\"shape\":[1,4],\"datatype\":\"INT64\",\"data\":[1,1,1,1]}]}");
    ModelInferRequest request =
        GrpcTestClient.request("mixed_io", "1", json, true).toBuilder()
            .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("index"))
            .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("scaled"))
            .build();
    ModelInferResponse response = grpc.stub().modelInfer(request);
    assertThat(response.getOutputsList().stream().map(o -> o.getName()).toList())
        .containsExactly("index", "scaled");
    assertThat(GrpcTestClient.json(response).get("outputs").get(0).get("data").toString())
        .isEqualTo("[3]");
  }

  @Test
  void classificationReturnsTheTopClassesLikeRest() {
    ModelInferRequest request =
        classifierRequest("c", 1, 2, 3, 4).toBuilder()
            .addOutputs(
                ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                    .setName("probabilities")
                    .putParameters(
                        "classification", InferParameter.newBuilder().setInt64Param(2).build()))
            .build();
    JsonNode response = GrpcTestClient.json(grpc.stub().modelInfer(request));
    JsonNode output = response.get("outputs").get(0);
    assertThat(output.get("datatype").stringValue()).isEqualTo("BYTES");
    assertThat(output.get("shape").toString()).isEqualTo("[1,2]");
    assertThat(output.get("data").get(0).stringValue()).matches("[0-9.eE-]+:[0-2](:.+)?");

    HttpTestClient.Reply rest =
        http.post(
            "/v2/models/classifier/infer",
            "{\"id\":\"c\",\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],"
                + "\"datatype\":\"FP32\",\"data\":[1,2,3,4]}],\"outputs\":[{\"name\":"
                + "\"probabilities\",\"parameters\":{\"classification\":2}}]}");
    assertThat(rest.status()).as(rest.body()).isEqualTo(200);
    assertThat(response.get("outputs").toString()).isEqualTo(rest.json().get("outputs").toString());

    ModelInferRequest zero =
        request.toBuilder()
            .setOutputs(
                0,
                request.getOutputs(0).toBuilder()
                    .putParameters(
                        "classification", InferParameter.newBuilder().setInt64Param(-1).build()))
            .build();
    Status status = failure(() -> grpc.stub().modelInfer(zero));
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("classification");
  }

  @Test
  void priorityAndTimeoutParametersAreAccepted() {
    ModelInferRequest request =
        classifierRequest("p", 1, 2, 3, 4).toBuilder()
            .putParameters("priority", InferParameter.newBuilder().setInt64Param(0).build())
            .putParameters("timeout", InferParameter.newBuilder().setInt64Param(5_000_000).build())
            .build();
    assertThat(grpc.stub().modelInfer(request).getId()).isEqualTo("p");
  }

  @Test
  void invalidPriorityIsRejected() {
    ModelInferRequest request =
        classifierRequest("p", 1, 2, 3, 4).toBuilder()
            .putParameters("priority", InferParameter.newBuilder().setStringParam("high").build())
            .build();
    Status status = failure(() -> grpc.stub().modelInfer(request));
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("'priority'").contains("non-negative integer");
  }

  @Test
  void streamAnswersEveryRequestAndReportsErrorsInline() throws Exception {
    GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async =
        GRPCInferenceServiceGrpc.newStub(grpc.channel);
    List<ModelStreamInferResponse> received = new ArrayList<>();
    CompletableFuture<Void> finished = new CompletableFuture<>();
    StreamObserver<ModelInferRequest> requests =
        async.modelStreamInfer(
            new StreamObserver<>() {
              @Override
              public void onNext(ModelStreamInferResponse value) {
                synchronized (received) {
                  received.add(value);
                }
              }

              @Override
              public void onError(Throwable t) {
                finished.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                finished.complete(null);
              }
            });
    requests.onNext(classifierRequest("a", 1, 2, 3, 4));
    requests.onNext(classifierRequest("bad", 1, 2, 3, 4, 5));
    requests.onNext(classifierRequest("b", 5, 6, 7, 8));
    requests.onNext(classifierRequest("gone", 1, 2, 3, 4).toBuilder().setModelName("nope").build());
    requests.onCompleted();
    finished.get(60, TimeUnit.SECONDS);

    assertThat(received).hasSize(4);
    for (ModelStreamInferResponse response : received) {
      String id = response.getInferResponse().getId();
      switch (id) {
        case "a", "b" -> {
          assertThat(response.getErrorMessage()).isEmpty();
          assertThat(response.getInferResponse().getModelVersion()).isEqualTo("2");
          assertThat(response.getInferResponse().getRawOutputContents(0).size()).isEqualTo(12);
        }
        case "bad" ->
            assertThat(response.getErrorMessage())
                .contains("input 'features' has shape [1,5]")
                .contains("expects [-1,4]");
        case "gone" -> assertThat(response.getErrorMessage()).contains("unknown model 'nope'");
        default -> throw new AssertionError("unexpected response id " + id);
      }
    }
    // answers for the same request over unary and stream are the same
    ModelInferResponse unary = grpc.stub().modelInfer(classifierRequest("a", 1, 2, 3, 4));
    assertThat(
            received.stream()
                .filter(r -> r.getInferResponse().getId().equals("a"))
                .findFirst()
                .orElseThrow()
                .getInferResponse())
        .isEqualTo(unary);
  }

  @Test
  void concurrentStreamsAndCallsDoNotDisturbEachOther() throws Exception {
    List<CompletableFuture<ModelInferResponse>> calls = new ArrayList<>();
    GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub futures =
        GRPCInferenceServiceGrpc.newFutureStub(grpc.channel);
    for (int i = 0; i < 64; i++) {
      ModelInferRequest request =
          i % 4 == 3
              ? classifierRequest("bad" + i, 1, 2, 3)
              : classifierRequest("ok" + i, i, i + 1, i + 2, i + 3);
      CompletableFuture<ModelInferResponse> call = new CompletableFuture<>();
      com.google.common.util.concurrent.Futures.addCallback(
          futures.modelInfer(request),
          new com.google.common.util.concurrent.FutureCallback<>() {
            @Override
            public void onSuccess(ModelInferResponse result) {
              call.complete(result);
            }

            @Override
            public void onFailure(Throwable t) {
              call.completeExceptionally(t);
            }
          },
          Runnable::run);
      calls.add(call);
    }
    for (int i = 0; i < calls.size(); i++) {
      CompletableFuture<ModelInferResponse> call = calls.get(i);
      if (i % 4 == 3) {
        Status status = failure(() -> unwrap(call));
        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      } else {
        assertThat(call.get(60, TimeUnit.SECONDS).getId()).isEqualTo("ok" + i);
      }
    }
  }

  private static void unwrap(CompletableFuture<?> call) throws Throwable {
    try {
      call.get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause();
    }
  }
}
