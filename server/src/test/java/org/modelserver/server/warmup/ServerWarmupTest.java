package org.modelserver.server.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.ServerLiveRequest;
import org.modelserver.grpc.v2.ServerReadyRequest;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.RunningServer;
import org.modelserver.server.TestRepos;

/** The server warms its transports before it says ready; liveness stays true meanwhile. */
class ServerWarmupTest {
  @Test
  void theServerIsLiveButNotReadyWhileItWarmsUpThenReady() throws Exception {
    try (RunningServer server =
        RunningServer.start(
            "--model-repository=" + TestRepos.exampleRepo(),
            "--model-control-mode=explicit",
            "--load-model=classifier,mixed_io,identity_types,token_embed,identity_half",
            "--warmup-seconds=4")) {
      HttpTestClient http = server.http();
      GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub grpc =
          GRPCInferenceServiceGrpc.newBlockingStub(server.channel())
              .withDeadlineAfter(30, TimeUnit.SECONDS);
      // Right after start: a 4-second warm-up has just begun.
      assertThat(http.get("/v2/health/live").status()).isEqualTo(200);
      HttpTestClient.Reply ready = http.get("/v2/health/ready");
      assertThat(ready.status()).isEqualTo(400);
      assertThat(ready.body()).contains("warming up");
      assertThat(grpc.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
      assertThat(grpc.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isFalse();

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (http.get("/v2/health/ready").status() != 200) {
        assertThat(System.nanoTime()).as("ready within a minute").isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(grpc.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
      org.modelserver.server.warmup.ServerWarmup warmup =
          server.context().getBean(org.modelserver.server.warmup.ServerWarmup.class);
      assertThat(warmup.failure()).isEmpty();
      assertThat(warmup.rounds()).isPositive();
      assertThat(warmup.requests()).isPositive();
      // The warm-up touched no statistics.
      assertThat(
              http.get("/v2/models/classifier/stats")
                  .json()
                  .get("model_stats")
                  .get(0)
                  .get("inference_count")
                  .asLong())
          .isZero();
    }
  }
}
