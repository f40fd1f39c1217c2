package org.modelserver.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.grpc.v2.ServerReadyRequest;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.ServerReadiness;
import org.modelserver.server.TestRepos;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Readiness tells the truth: {@code grpc.health.v1}, gRPC {@code ServerReady} and {@code
 * /v2/health/ready} follow the models after start, and readiness needs the gRPC port open.
 */
class HealthFollowsModelsTest {
  @TempDir Path repo;

  @Test
  void healthTurnsNotServingWhileAModelIsBrokenAndServingOnceItIsUnloaded() throws IOException {
    TestRepos.copyModel("classifier", repo);
    Path broken = repo.resolve("broken/1");
    Files.createDirectories(broken);
    Files.writeString(broken.resolve("model.onnx"), "not an ONNX model");
    try (ConfigurableApplicationContext server =
            TestRepos.start(
                "--model-repository=" + repo,
                "--model-control-mode=explicit",
                "--load-model=classifier",
                "--grpc-port=0");
        GrpcTestClient grpc = GrpcTestClient.of(server)) {
      HttpTestClient http = TestRepos.client(server);
      HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(grpc.channel);
      assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(ServingStatus.SERVING);

      assertThat(http.post("/v2/repository/models/broken/load", "").status()).isEqualTo(400);
      assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(ServingStatus.NOT_SERVING);
      assertThat(grpc.stub().serverReady(ServerReadyRequest.getDefaultInstance()).getReady())
          .isFalse();
      assertThat(http.get("/v2/health/ready").status()).isEqualTo(400);

      assertThat(http.post("/v2/repository/models/broken/unload", "").status()).isEqualTo(200);
      assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(ServingStatus.SERVING);
      assertThat(http.get("/v2/health/ready").status()).isEqualTo(200);
    }
  }

  @Test
  void readinessWaitsForTheGrpcPort() {
    ServerReadiness readiness = new ServerReadiness(new ModelRegistry());
    assertThat(readiness.isReady()).isFalse();
    assertThat(readiness.notReadyReasons())
        .containsExactly("the gRPC API does not accept connections yet");
    readiness.grpcListening(true);
    assertThat(readiness.isReady()).isTrue();
    readiness.grpcListening(false);
    assertThat(readiness.isReady()).isFalse();
  }

  @Test
  void onShutdownTheServerSaysNotReadyAtOnceAndTellsItsListeners() {
    ServerReadiness readiness = new ServerReadiness(new ModelRegistry());
    readiness.grpcListening(true);
    java.util.concurrent.atomic.AtomicInteger told =
        new java.util.concurrent.atomic.AtomicInteger();
    readiness.onShutdown(told::incrementAndGet);
    assertThat(readiness.isReady()).isTrue();
    readiness.shuttingDown();
    assertThat(readiness.isReady()).isFalse();
    assertThat(readiness.notReadyReasons()).containsExactly("the server is shutting down");
    assertThat(told).hasValue(1);
  }
}
