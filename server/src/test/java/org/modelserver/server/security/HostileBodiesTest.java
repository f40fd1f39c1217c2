package org.modelserver.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.Messages;
import org.modelserver.server.RunningServer;
import org.modelserver.server.TestRepos;
import org.springframework.web.filter.FormContentFilter;

/**
 * Bodies a hostile client sends (part of issue 14): duplicate JSON keys on load, malformed
 * multipart, form bodies on paths that take none, and client text echoed in error messages.
 */
class HostileBodiesTest {
  private static RunningServer server;
  private static HttpTestClient http;
  private static int port;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() {
    server =
        RunningServer.start(
            "--model-repository=" + TestRepos.exampleRepo(),
            "--model-control-mode=explicit",
            "--load-model=classifier");
    port = server.port();
    http = server.http();
    channel = server.channel();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  @Test
  void aLoadRequestWithADuplicateKeyIs400() {
    HttpTestClient.Reply reply =
        http.post("/v2/repository/models/classifier/load", "{\"parameters\":{},\"parameters\":{}}");
    assertThat(reply.status()).as(reply.body()).isEqualTo(400);
    assertThat(reply.error()).containsIgnoringCase("duplicate");
  }

  private HttpTestClient.Reply multipart(String path, String contentType, String body) {
    return http.send(
        HttpRequest.newBuilder(http.uri(path))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  @Test
  void malformedMultipartIsA400WhereItIsParsedAndIgnoredElsewhere() {
    for (String type :
        new String[] {
          "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=x"
        }) {
      HttpTestClient.Reply finetune =
          multipart("/v2/models/classifier/finetune", type, "--x\r\nunterminated");
      assertThat(finetune.status()).as(type + ": " + finetune.body()).isBetween(400, 499);
      HttpTestClient.Reply infer = multipart("/v2/models/classifier/infer", type, "--x\r\n");
      assertThat(infer.status()).as(type + ": " + infer.body()).isEqualTo(400);
    }
  }

  @Test
  void noFilterReadsFormBodiesAndAFormPutOnAnOpenPathIsRefused() {
    assertThat(server.context().getBeanProvider(FormContentFilter.class).getIfAvailable()).isNull();
    HttpTestClient.Reply reply =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v2/health/live"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .PUT(HttpRequest.BodyPublishers.ofString("a=" + "x".repeat(1 << 20))));
    assertThat(reply.status()).isEqualTo(405);
  }

  @Test
  void clientTextEchoedInAnErrorIsBoundedOverRestAndGrpc() {
    String huge = "n".repeat(100_000);
    HttpTestClient.Reply reply =
        http.post(
            "/v2/models/classifier/infer",
            "{\"inputs\":[{\"name\":\""
                + huge
                + "\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}");
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).hasSizeLessThanOrEqualTo(Messages.MAX_LENGTH).endsWith("truncated)");

    try {
      GRPCInferenceServiceGrpc.newBlockingStub(channel)
          .modelInfer(ModelInferRequest.newBuilder().setModelName(huge).build());
      throw new AssertionError("an unknown model was served");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(e.getStatus().getDescription()).hasSizeLessThanOrEqualTo(Messages.MAX_LENGTH);
    }
  }
}
