package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** Bodies over {@code max-request-size} get 413, whether or not they declare their length. */
class RequestSizeLimitTest {
  private static ConfigurableApplicationContext server;
  private static HttpTestClient http;
  private static int port;

  @BeforeAll
  static void start() {
    server =
        TestRepos.start("--model-repository=" + TestRepos.exampleRepo(), "--max-request-size=2KB");
    port = TestRepos.port(server);
    http = new HttpTestClient(port);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String largeBody() {
    StringBuilder body = new StringBuilder("{\"id\":\"");
    body.append("x".repeat(4096));
    return body.append("\"}").toString();
  }

  @Test
  void declaredLengthOverLimitIs413() {
    HttpTestClient.Reply reply = http.post("/v2/models/classifier/infer", largeBody());
    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.error())
        .contains("exceeds the limit of 2048 bytes")
        .contains("max-request-size");
  }

  @Test
  void chunkedBodyOverLimitIs413() {
    byte[] bytes = largeBody().getBytes(StandardCharsets.UTF_8);
    HttpTestClient.Reply reply =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/v2/models/classifier/infer"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(bytes))));
    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.error()).contains("more than 2048 bytes");
  }

  @Test
  void bodyUnderLimitIsServed() {
    HttpTestClient.Reply reply =
        http.post(
            "/v2/models/classifier/infer",
            "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}");
    assertThat(reply.status()).isEqualTo(200);
  }
}
