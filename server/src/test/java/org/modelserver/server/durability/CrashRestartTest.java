package org.modelserver.server.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.runtime.testsupport.TrainFixtures.lineJsonl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.repository.CrashPoints;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.TestRepos;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Kill -9 at chosen moments, then a restart on the same repository: nothing is lost, and nothing
 * half-done comes back. The server runs in a JVM of its own ({@link ServerProcess}) and is killed
 * with SIGKILL.
 */
class CrashRestartTest {
  private static final String CLASSIFIER_BODY =
      "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\","
          + "\"data\":[0.1,0.2,0.3,0.4]}]}";
  private static final String REGRESSOR = "regressor_torch";

  @TempDir Path repo;
  @TempDir Path scratch;

  @Test
  void aKillDuringAReplacingLoadLeavesTheOldVersionIntactAndServing() throws Exception {
    TestRepos.copyModel("classifier", repo);
    Path model = repo.resolve("classifier/1/model.onnx");
    byte[] original = Files.readAllBytes(model);
    String before;
    try (ServerProcess server = ServerProcess.start(repo, scratch, CrashPoints.INSTALL_PLACED)) {
      before = infer(server.http(), "/v2/models/classifier/versions/1/infer");
      ObjectNode load = HttpTestClient.JSON.createObjectNode();
      // Files that would crash a native loader: the kill comes after they are placed, before
      // they are validated.
      load.putObject("parameters")
          .put("file:1/model.onnx", Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}));
      CompletableFuture.runAsync(
          () -> server.http().post("/v2/repository/models/classifier/load", load));
      server.awaitCrashPoint();
      assertThat(Files.readAllBytes(model)).as("placed before the kill").hasSize(3);
      server.kill9();
    }
    try (ServerProcess server = ServerProcess.start(repo, scratch, null)) {
      assertThat(Files.readAllBytes(model)).isEqualTo(original);
      assertThat(infer(server.http(), "/v2/models/classifier/versions/1/infer")).isEqualTo(before);
      assertThat(server.http().get("/v2/models/classifier/versions/1/ready").status())
          .isEqualTo(200);
      assertThat(repo.resolve(".staging")).doesNotExist();
    }
  }

  @Test
  void aKillDuringAJobsPublishLeavesNoVersionAndTheJobFailed() throws Exception {
    TestRepos.copyModel(REGRESSOR, repo);
    String job;
    try (ServerProcess server = ServerProcess.start(repo, scratch, CrashPoints.INSTALL_PLACED)) {
      job = startJob(server.http(), "{\"epochs\": 2, \"promote\": \"always\"}", 1);
      server.awaitCrashPoint();
      assertThat(versionFolders()).as("placed before the kill").contains("2");
      server.kill9();
    }
    try (ServerProcess server = ServerProcess.start(repo, scratch, null)) {
      JsonNode record = server.http().get("/v2/training/jobs/" + job).json();
      assertThat(record.get("state").stringValue()).as(record.toString()).isEqualTo("failed");
      assertThat(record.get("error").stringValue()).startsWith("interrupted");
      assertThat(record.has("output")).isFalse();
      assertThat(versionFolders()).containsExactly("1");
      assertThat(defaultVersion(server.http(), REGRESSOR)).isEqualTo("1");
    }
  }

  @Test
  void afterPromoteNeverAndAKillTheOldDefaultIsStillTheDefault() throws Exception {
    TestRepos.copyModel(REGRESSOR, repo);
    String job;
    try (ServerProcess server = ServerProcess.start(repo, scratch, null)) {
      job = startJob(server.http(), "{\"epochs\": 2, \"promote\": \"never\"}", 2);
      JsonNode done = awaitFinished(server.http(), job);
      assertThat(done.get("state").stringValue()).as(done.toString()).isEqualTo("succeeded");
      assertThat(done.get("output").get("version").stringValue()).isEqualTo("2");
      assertThat(defaultVersion(server.http(), REGRESSOR)).isEqualTo("1");
      server.kill9();
    }
    try (ServerProcess server = ServerProcess.start(repo, scratch, null)) {
      HttpTestClient http = server.http();
      assertThat(defaultVersion(http, REGRESSOR)).isEqualTo("1");
      assertThat(http.get("/v2/models/" + REGRESSOR + "/default").json().get("held").toString())
          .isEqualTo("[\"2\"]");
      assertThat(
              http.post("/v2/models/" + REGRESSOR + "/infer", regressorBody())
                  .json()
                  .get("model_version")
                  .stringValue())
          .isEqualTo("1");
      // The held version is loaded and answers when asked for by number.
      assertThat(
              http.post("/v2/models/" + REGRESSOR + "/versions/2/infer", regressorBody()).status())
          .isEqualTo(200);
      // Removing the pin does not promote it: held versions are never the default unpinned.
      assertThat(
              http.send(
                      java.net.http.HttpRequest.newBuilder(
                              http.uri("/v2/models/" + REGRESSOR + "/default"))
                          .DELETE())
                  .status())
          .isEqualTo(200);
      assertThat(defaultVersion(http, REGRESSOR)).isEqualTo("1");
      // Pinning it promotes it, and that too survives a kill.
      assertThat(
              http.send(
                      java.net.http.HttpRequest.newBuilder(
                              http.uri("/v2/models/" + REGRESSOR + "/versions/2/default"))
                          .PUT(java.net.http.HttpRequest.BodyPublishers.noBody()))
                  .status())
          .isEqualTo(200);
      server.kill9();
    }
    try (ServerProcess server = ServerProcess.start(repo, scratch, null)) {
      assertThat(defaultVersion(server.http(), REGRESSOR)).isEqualTo("2");
      assertThat(server.http().get("/v2/training/jobs/" + job).json().get("state").stringValue())
          .isEqualTo("succeeded");
    }
  }

  private static String infer(HttpTestClient http, String path) {
    HttpTestClient.Reply reply = http.post(path, CLASSIFIER_BODY);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    return reply.json().get("outputs").toString();
  }

  private static String regressorBody() {
    return "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,1],\"datatype\":\"FP32\",\"data\":[0.5]}]}";
  }

  private static String startJob(HttpTestClient http, String settings, long seed) {
    ObjectNode body = (ObjectNode) HttpTestClient.JSON.readTree(settings);
    body.putObject("dataset").put("format", "jsonl").put("data", lineJsonl(64, seed, 10, 3));
    HttpTestClient.Reply reply = http.post("/v2/models/" + REGRESSOR + "/finetune", body);
    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    return reply.json().get("job_id").stringValue();
  }

  private static JsonNode awaitFinished(HttpTestClient http, String job)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    JsonNode record = http.get("/v2/training/jobs/" + job).json();
    while (!record.has("finished")) {
      assertThat(System.nanoTime()).as("job %s finishes: %s", job, record).isLessThan(deadline);
      Thread.sleep(50);
      record = http.get("/v2/training/jobs/" + job).json();
    }
    return record;
  }

  private static String defaultVersion(HttpTestClient http, String model) {
    HttpTestClient.Reply reply = http.get("/v2/models/" + model + "/default");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    return reply.json().get("version").stringValue();
  }

  private java.util.List<String> versionFolders() throws java.io.IOException {
    try (Stream<Path> folders = Files.list(repo.resolve(REGRESSOR))) {
      return folders
          .filter(Files::isDirectory)
          .map(path -> path.getFileName().toString())
          .sorted()
          .toList();
    }
  }
}
