package org.modelserver.server.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.server.admission.AdmissionFixtures.CLASSIFIER_BODY;
import static org.modelserver.server.admission.AdmissionFixtures.get;
import static org.modelserver.server.admission.AdmissionFixtures.post;
import static org.modelserver.server.admission.AdmissionFixtures.slowBody;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.RunningServer;

/**
 * Per-model protection from {@code config.yaml}, through the real server: a rate limit per caller
 * (429 / RESOURCE_EXHAUSTED with Retry-After), a circuit breaker that opens on engine faults and
 * closes after its wait, and a bulkhead on concurrent requests.
 */
class ModelProtectionTest {
  @TempDir static Path repo;
  private static RunningServer server;
  private static int port;
  private static ManagedChannel channel;
  private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub grpc;

  @BeforeAll
  static void start() {
    AdmissionFixtures.addClassifier(
        repo, "protection:\n  rate_limit: {requests_per_second: 1, burst: 3}\n");
    String breaker =
        "protection:\n"
            + "  circuit_breaker: {failure_rate_threshold: 50, minimum_calls: 2,"
            + " sliding_window_size: 2, wait_in_open_state_ms: 5000,"
            + " permitted_calls_in_half_open_state: 1}\n";
    // one model per test: the breakers' states must not depend on the tests' order
    AdmissionFixtures.addSlowModel(repo, "failing", breaker);
    AdmissionFixtures.addSlowModel(repo, "picky", breaker);
    AdmissionFixtures.addSlowModel(repo, "narrow", "protection: {max_concurrent_requests: 1}\n");
    server = RunningServer.start("--model-repository=" + repo);
    port = server.port();
    channel = server.channel();
    grpc = GRPCInferenceServiceGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  @Test
  void overItsRateACallerGets429WithRetryAfterOverRestAndResourceExhaustedOverGrpc() {
    List<Integer> statuses = new ArrayList<>();
    HttpTestClient.Reply limited = null;
    for (int i = 0; i < 6 && limited == null; i++) {
      HttpTestClient.Reply reply = post(port, "/v2/models/classifier/infer", CLASSIFIER_BODY);
      statuses.add(reply.status());
      if (reply.status() == 429) {
        limited = reply;
      }
    }
    assertThat(statuses).startsWith(200).contains(429);
    assertThat(limited.header("Retry-After"))
        .hasValueSatisfying(value -> assertThat(Long.parseLong(value)).isBetween(1L, 5L));
    assertThat(limited.body())
        .contains("rate limit of model 'classifier' exceeded")
        .contains("1 requests/s per caller");

    StatusRuntimeException refused = null;
    for (int i = 0; i < 6 && refused == null; i++) {
      try {
        grpc.modelInfer(AdmissionFixtures.classifierRequest("g" + i));
      } catch (StatusRuntimeException e) {
        refused = e;
      }
    }
    assertThat(refused).isNotNull();
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(
            refused
                .getTrailers()
                .get(Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER)))
        .isNotNull();
  }

  @Test
  void theBreakerOpensOnEngineFaultsRefusesFastAndClosesAfterItsWait() throws Exception {
    // Too large to allocate: ONNX Runtime fails inside the engine, twice.
    for (int i = 0; i < 2; i++) {
      HttpTestClient.Reply fault = post(port, "/v2/models/failing/infer", slowBody(400_000));
      assertThat(fault.status()).as(fault.body()).isEqualTo(500);
    }
    HttpTestClient.Reply open = post(port, "/v2/models/failing/infer", slowBody(2));
    assertThat(open.status()).isEqualTo(503);
    assertThat(open.body()).contains("circuit breaker OPEN");
    assertThat(open.header("Retry-After")).isPresent();
    assertThat(server.http().post("/v2/repository/index", "{}").body())
        .contains("circuit breaker OPEN");
    assertThat(get(port, "/metrics").body())
        .contains("resilience4j_circuitbreaker_state")
        .contains("model=\"failing\"");
    try {
      grpc.modelInfer(AdmissionFixtures.slowRequest("failing", 2, "open"));
      throw new AssertionError("an open breaker let a gRPC call through");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(e.getStatus().getDescription()).contains("circuit breaker OPEN");
    }

    // After its wait the breaker lets one trial through; its success closes it.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    HttpTestClient.Reply reply;
    do {
      Thread.sleep(200);
      reply = post(port, "/v2/models/failing/infer", slowBody(2));
    } while (reply.status() != 200 && System.nanoTime() < deadline);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    assertThat(post(port, "/v2/models/failing/infer", slowBody(2)).status()).isEqualTo(200);
    assertThat(server.http().post("/v2/repository/index", "{}").body())
        .doesNotContain("circuit breaker");
  }

  @Test
  void aClientErrorDoesNotCountAgainstTheBreaker() {
    for (int i = 0; i < 4; i++) {
      HttpTestClient.Reply bad =
          post(port, "/v2/models/picky/infer", slowBody(2).replace("INT64", "FP32"));
      assertThat(bad.status()).isEqualTo(400);
    }
    assertThat(post(port, "/v2/models/picky/infer", slowBody(2)).status()).isEqualTo(200);
  }

  @Test
  void theBulkheadRefusesASecondRequestWhileOneIsInFlight() {
    // Two requests that each take a second or so overlap: the model admits one at a time.
    List<CompletableFuture<HttpTestClient.Reply>> both = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      both.add(
          CompletableFuture.supplyAsync(
              () -> post(port, "/v2/models/narrow/infer", slowBody(3000))));
    }
    List<HttpTestClient.Reply> replies = both.stream().map(CompletableFuture::join).toList();
    assertThat(replies.stream().map(HttpTestClient.Reply::status).sorted().toList())
        .containsExactly(200, 503);
    HttpTestClient.Reply refused =
        replies.stream().filter(reply -> reply.status() == 503).findFirst().orElseThrow();
    assertThat(refused.body()).contains("protection.max_concurrent_requests");
    assertThat(refused.header("Retry-After")).isPresent();
  }
}
