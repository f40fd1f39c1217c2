package org.modelserver.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.ModelStreamInferResponse;
import org.modelserver.server.TestRepos;
import org.modelserver.server.security.Callers.Call;
import org.modelserver.server.security.Callers.Reply;
import org.modelserver.server.security.Callers.Rpc;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * With an inference token, inference needs it (or the admin token) from every client; health and
 * metrics stay open, and the inference token opens no management.
 */
class InferenceTokenTest {
  private static final String ADMIN = "admin-51d0e2";
  private static final String INFERENCE = "inference-8b24c6";
  private static final Optional<String> REMOTE = Callers.externalAddress();
  private static ConfigurableApplicationContext server;

  @BeforeAll
  static void start() {
    server =
        TestRepos.start(
            "--model-repository=" + TestRepos.exampleRepo(),
            "--admin-token=" + ADMIN,
            "--inference-token=" + INFERENCE);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Stream<Call> inferenceCalls() {
    return ApiCalls.inference().stream();
  }

  static Stream<Call> openCalls() {
    return ApiCalls.open().stream();
  }

  static Stream<Arguments> inferenceRpcs() {
    return ApiCalls.inferenceRpcs().entrySet().stream()
        .map(rpc -> Arguments.of(rpc.getKey(), rpc.getValue()));
  }

  static Stream<Arguments> openRpcs() {
    return ApiCalls.openRpcs().entrySet().stream()
        .map(rpc -> Arguments.of(rpc.getKey(), rpc.getValue()));
  }

  private static void assertUnauthenticated(Reply reply) {
    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.wwwAuthenticate()).isEqualTo("Bearer");
    assertThat(reply.error()).contains("Authorization: Bearer <inference token>");
    assertThat(reply.body()).doesNotContain(INFERENCE).doesNotContain(ADMIN);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("inferenceCalls")
  void inferenceWithoutTheTokenIsUnauthenticatedEvenFromLoopback(Call call) {
    assertUnauthenticated(Callers.rest(server, Callers.LOOPBACK, call, null));
    assertUnauthenticated(Callers.rest(server, Callers.LOOPBACK, call, "Bearer wrong"));
    assertUnauthenticated(Callers.rest(server, Callers.LOOPBACK, call, INFERENCE));
    assertUnauthenticated(Callers.rest(server, Callers.LOOPBACK, call, "Basic " + INFERENCE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("inferenceCalls")
  void theInferenceTokenOrTheAdminTokenLetsInferenceThrough(Call call) {
    assertThat(Callers.rest(server, Callers.LOOPBACK, call, "Bearer " + INFERENCE).status())
        .isEqualTo(200);
    assertThat(Callers.rest(server, Callers.LOOPBACK, call, "Bearer " + ADMIN).status())
        .isEqualTo(200);
  }

  @Test
  void remoteClientsNeedTheInferenceTokenToo() {
    assumeTrue(REMOTE.isPresent(), "this host has no non-loopback network interface");
    Call metadata = new Call("GET", "/v2/models/classifier");
    assertUnauthenticated(Callers.rest(server, REMOTE.get(), metadata, null));
    assertThat(Callers.rest(server, REMOTE.get(), metadata, "Bearer " + INFERENCE).status())
        .isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("openCalls")
  void healthAndMetricsStayOpen(Call call) {
    assertThat(Callers.rest(server, Callers.LOOPBACK, call, null).status()).isEqualTo(200);
    REMOTE.ifPresent(
        remote -> assertThat(Callers.rest(server, remote, call, null).status()).isEqualTo(200));
  }

  @Test
  void theInferenceTokenOpensNoManagement() {
    Reply reply =
        Callers.rest(
            server,
            Callers.LOOPBACK,
            new Call("POST", "/v2/repository/index"),
            "Bearer " + INFERENCE);
    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.error()).contains("admin token");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "/v2/models/classifier/ready/../config",
        "/v2/health/live/../../models/classifier",
        "/v2/models/classifier/../classifier/ready",
        "/v2/models/classifier/%2e%2e/classifier/config",
        "//v2/models/classifier/config",
        "/v2/models/classifier;a=b/stats",
      })
  void noSpellingOfAnInferencePathEscapesTheGuard(String target) {
    assertThat(Callers.rawStatus(server, Callers.LOOPBACK, "GET", target, null)).isEqualTo(401);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("inferenceRpcs")
  void inferenceRpcsNeedAToken(String name, Rpc rpc) {
    Status missing = Callers.grpc(server, Callers.LOOPBACK, null, rpc);
    assertThat(missing.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(missing.getDescription()).contains("Authorization: Bearer <inference token>");
    assertThat(Callers.grpc(server, Callers.LOOPBACK, "Bearer wrong", rpc).getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(Callers.grpc(server, Callers.LOOPBACK, "Bearer " + INFERENCE, rpc).getCode())
        .isEqualTo(Status.Code.OK);
    assertThat(Callers.grpc(server, Callers.LOOPBACK, "Bearer " + ADMIN, rpc).getCode())
        .isEqualTo(Status.Code.OK);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("openRpcs")
  void healthRpcsStayOpen(String name, Rpc rpc) {
    assertThat(Callers.grpc(server, Callers.LOOPBACK, null, rpc).getCode())
        .isEqualTo(Status.Code.OK);
  }

  @Test
  void repositoryRpcsRefuseTheInferenceToken() {
    Rpc index = ApiCalls.managementRpcs().get("RepositoryIndex");
    assertThat(Callers.grpc(server, Callers.LOOPBACK, "Bearer " + INFERENCE, index).getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void streamingInferenceNeedsAToken() throws Exception {
    assertThat(streamInfer(null)).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(streamInfer("Bearer " + INFERENCE)).isEqualTo(Status.Code.OK);
  }

  /** One request on ModelStreamInfer; the status the stream ends with. */
  private static Status.Code streamInfer(String authorization) throws Exception {
    ManagedChannel channel = Callers.channel(server, Callers.LOOPBACK);
    try {
      GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub =
          GRPCInferenceServiceGrpc.newStub(channel);
      if (authorization != null) {
        stub =
            stub.withInterceptors(
                MetadataUtils.newAttachHeadersInterceptor(Callers.bearer(authorization)));
      }
      CompletableFuture<Status.Code> ended = new CompletableFuture<>();
      StreamObserver<org.modelserver.grpc.v2.ModelInferRequest> requests =
          stub.modelStreamInfer(
              new StreamObserver<ModelStreamInferResponse>() {
                @Override
                public void onNext(ModelStreamInferResponse response) {}

                @Override
                public void onError(Throwable error) {
                  ended.complete(Status.fromThrowable(error).getCode());
                }

                @Override
                public void onCompleted() {
                  ended.complete(Status.Code.OK);
                }
              });
      requests.onNext(ApiCalls.inferRequest());
      requests.onCompleted();
      return ended.get(2, TimeUnit.MINUTES);
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void grpcHealthAndReflectionStayOpen() throws Exception {
    ManagedChannel channel = Callers.channel(server, Callers.LOOPBACK);
    try {
      HealthCheckResponse health =
          HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
      assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

      CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
      StreamObserver<ServerReflectionRequest> requests =
          ServerReflectionGrpc.newStub(channel)
              .serverReflectionInfo(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                      answer.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                      answer.completeExceptionally(error);
                    }

                    @Override
                    public void onCompleted() {}
                  });
      requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
      requests.onCompleted();
      assertThat(answer.get(2, TimeUnit.MINUTES).getListServicesResponse().getServiceList())
          .anyMatch(service -> service.getName().equals("inference.GRPCInferenceService"));
    } catch (StatusRuntimeException e) {
      throw new AssertionError("health or reflection refused: " + e.getStatus(), e);
    } finally {
      channel.shutdownNow();
    }
  }
}
