package org.modelserver.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.TestRepos;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * With an inference token, the open readiness endpoint says "not ready" to anyone but names the
 * failing models and their reasons only to callers with the token (part of issue 14).
 */
class ReadinessDetailsTest {
  @TempDir static Path repo;
  private static ConfigurableApplicationContext server;
  private static HttpTestClient http;
  private static int port;

  @BeforeAll
  static void start() throws IOException {
    TestRepos.copyModel("classifier", repo);
    Files.createDirectories(repo.resolve("secret_model_name/1")); // no model file: unavailable
    server =
        TestRepos.start("--model-repository=" + repo, "--grpc-port=0", "--inference-token=s3cret");
    port = TestRepos.port(server);
    http = new HttpTestClient(port);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void withoutTheTokenReadinessNamesNoModel() {
    HttpTestClient.Reply reply = http.get("/v2/health/ready");
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body()).doesNotContain("secret_model_name").contains("inference token");
  }

  @Test
  void aModelsReadinessGivesItsReasonOnlyWithTheToken() {
    HttpTestClient.Reply open = http.get("/v2/models/secret_model_name/ready");
    assertThat(open.status()).isEqualTo(400);
    assertThat(open.body()).doesNotContain("model file").contains("inference token");
    HttpTestClient.Reply withToken =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/v2/models/secret_model_name/ready"))
                .header("Authorization", "Bearer s3cret")
                .GET());
    assertThat(withToken.body()).doesNotContain("inference token");
  }

  @Test
  void withTheTokenItSaysWhy() {
    HttpTestClient.Reply reply =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v2/health/ready"))
                .header("Authorization", "Bearer s3cret")
                .GET());
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body()).contains("secret_model_name");
  }
}
