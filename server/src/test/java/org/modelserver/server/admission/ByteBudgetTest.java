package org.modelserver.server.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.server.admission.AdmissionFixtures.CLASSIFIER_BODY;
import static org.modelserver.server.admission.AdmissionFixtures.post;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.RunningServer;

/**
 * The server-wide in-flight byte budget ({@code --max-inflight-bytes}): a request that would pass
 * it is refused at once with 503 / UNAVAILABLE and a Retry-After, before its body is decoded, and
 * the server stays ready and serves the requests that fit.
 */
class ByteBudgetTest {
  private static final int BUDGET = 64 * 1024;

  @TempDir static Path repo;
  private static RunningServer server;
  private static int port;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() {
    AdmissionFixtures.addClassifier(repo, "");
    server = RunningServer.start("--model-repository=" + repo, "--max-inflight-bytes=" + BUDGET);
    port = server.port();
    channel = server.channel();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  /** A valid request padded with whitespace to {@code bytes}. */
  private static String padded(int bytes) {
    return CLASSIFIER_BODY + " ".repeat(bytes - CLASSIFIER_BODY.length());
  }

  @Test
  void aRestBodyOverTheBudgetIsRefusedWith503AndTheServerStaysReady() {
    for (int i = 0; i < 20; i++) {
      HttpTestClient.Reply refused =
          post(port, "/v2/models/classifier/infer", padded(BUDGET + 1024));
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.body()).contains("--max-inflight-bytes").contains(BUDGET + " bytes");
      assertThat(refused.header("Retry-After")).hasValue("1");
    }
    assertThat(post(port, "/v2/models/classifier/infer", padded(BUDGET / 2)).status())
        .isEqualTo(200);
    assertThat(AdmissionFixtures.get(port, "/v2/health/ready").status()).isEqualTo(200);
    // Every byte reserved was given back.
    assertThat(AdmissionFixtures.get(port, "/metrics").body())
        .contains("modelserver_inflight_bytes 0.0")
        .contains("modelserver_inflight_limit_bytes " + BUDGET + ".0");
  }

  @Test
  void anUnknownModelIsStill404WhateverItsSize() {
    HttpTestClient.Reply reply = post(port, "/v2/models/missing/infer", padded(BUDGET + 1024));
    assertThat(reply.status()).isEqualTo(404);
  }

  @Test
  void aGrpcMessageOverTheBudgetIsUnavailableWithRetryAfter() {
    ModelInferRequest big =
        AdmissionFixtures.classifierRequest("big").toBuilder()
            .clearInputs()
            .addInputs(
                ModelInferRequest.InferInputTensor.newBuilder()
                    .setName("features")
                    .setDatatype("FP32")
                    .addShape(32)
                    .addShape(4))
            .addRawInputContents(ByteString.copyFrom(new byte[32 * 4 * 4]))
            .setId("x".repeat(BUDGET))
            .build();
    try {
      GRPCInferenceServiceGrpc.newBlockingStub(channel).modelInfer(big);
      throw new AssertionError("a message over the byte budget was served");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(e.getStatus().getDescription()).contains("--max-inflight-bytes");
      assertThat(
              e.getTrailers().get(Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER)))
          .isEqualTo("1");
    }
    assertThat(
            GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .modelInfer(AdmissionFixtures.classifierRequest("small"))
                .getOutputsCount())
        .isEqualTo(1);
  }
}
