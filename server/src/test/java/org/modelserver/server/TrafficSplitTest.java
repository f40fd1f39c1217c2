package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.server.grpc.GrpcTestClient;
import tools.jackson.databind.JsonNode;

/**
 * Traffic split (canary) on a real server: requests without a version follow the split, over REST
 * and gRPC; explicit versions do not; the split survives a restart; bad splits are refused.
 */
class TrafficSplitTest {
  private static final String TRAFFIC = "/v2/models/classifier/traffic";
  private static final String BODY =
      "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\","
          + "\"data\":[1,2,3,4]}]}";

  @TempDir Path repo;

  private RunningServer server;
  private HttpTestClient http;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private void start() {
    if (!Files.isDirectory(repo.resolve("classifier"))) {
      TestRepos.copyModel("classifier", repo);
    }
    server =
        RunningServer.start(
            "--model-repository=" + repo,
            "--model-control-mode=explicit",
            "--load-model=classifier");
    http = server.http();
  }

  private void split(String body) {
    HttpTestClient.Reply reply = http.put(TRAFFIC, body);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
  }

  /** The version that answered a REST request to {@code path}. */
  private String restVersion(String path) {
    HttpTestClient.Reply reply = http.post(path, BODY);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    return reply.json().get("model_version").stringValue();
  }

  private int restAnswersBy(String version, int requests) {
    int count = 0;
    for (int i = 0; i < requests; i++) {
      if (restVersion("/v2/models/classifier/infer").equals(version)) {
        count++;
      }
    }
    return count;
  }

  private String grpcVersion(String version) {
    return GRPCInferenceServiceGrpc.newBlockingStub(server.channel())
        .modelInfer(GrpcTestClient.classifierRequest(version))
        .getModelVersion();
  }

  private long successes(String version) {
    JsonNode stats =
        http.get("/v2/models/classifier/versions/" + version + "/stats").json().get("model_stats");
    return stats.get(0).get("inference_stats").get("success").get("count").longValue();
  }

  @Test
  void restRequestsFollowANinetyTenSplitAndStatisticsShowIt() {
    start();
    split("{\"1\": 90, \"2\": 10}");
    long before = successes("2");

    int canary = restAnswersBy("2", 2000);

    // 10% of 2,000 is 200, with a binomial sd of 13.4: 140..260 is 4.5 sd either side.
    assertThat(canary).isBetween(140, 260);
    assertThat(successes("2") - before).isEqualTo(canary);
    assertThat(http.get(TRAFFIC).json().get("split").toString()).isEqualTo("{\"1\":90,\"2\":10}");
  }

  @Test
  void grpcRequestsFollowTheSplit() {
    start();
    split("{\"1\": 90, \"2\": 10}");
    int canary = 0;
    for (int i = 0; i < 1000; i++) {
      String version = grpcVersion("");
      assertThat(version).isIn("1", "2");
      if (version.equals("2")) {
        canary++;
      }
    }
    // 10% of 1,000 is 100, sd 9.5: 55..145 is over 4.5 sd either side.
    assertThat(canary).isBetween(55, 145);
  }

  @Test
  void aStickySplitKeepsEachCallerOnOneVersionOverRestAndGrpc() {
    start();
    HttpTestClient.Reply set =
        http.put(TRAFFIC, "{\"1\": 70, \"2\": 30, \"sticky_header\": \"X-User\"}");
    assertThat(set.status()).as(set.body()).isEqualTo(200);
    assertThat(set.json().get("sticky_header").stringValue()).isEqualTo("x-user");

    int onCanary = 0;
    for (int user = 0; user < 100; user++) {
      String first = restVersionAs("user-" + user);
      for (int again = 0; again < 3; again++) {
        assertThat(restVersionAs("user-" + user)).as("user-" + user).isEqualTo(first);
      }
      // gRPC metadata with the same key and value lands on the same version.
      Metadata headers = new Metadata();
      headers.put(Metadata.Key.of("x-user", Metadata.ASCII_STRING_MARSHALLER), "user-" + user);
      String grpc =
          GRPCInferenceServiceGrpc.newBlockingStub(server.channel())
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
              .modelInfer(GrpcTestClient.classifierRequest(""))
              .getModelVersion();
      assertThat(grpc).as("user-" + user + " over gRPC").isEqualTo(first);
      if (first.equals("2")) {
        onCanary++;
      }
    }
    // 30% of 100 users, sd 4.6: 12..48 is 3.9 sd either side.
    assertThat(onCanary).isBetween(12, 48);
    // Without the header, requests are drawn at random and reach both versions.
    assertThat(restAnswersBy("2", 200)).isBetween(20, 120);
  }

  @Test
  void theStickyHeaderSurvivesARestart() {
    start();
    split("{\"1\": 50, \"2\": 50, \"sticky_header\": \"x-session\"}");
    String before = restVersionAs("x-session", "s-42");
    server.close();
    server = null;

    start();

    assertThat(http.get(TRAFFIC).json().get("sticky_header").stringValue()).isEqualTo("x-session");
    assertThat(restVersionAs("x-session", "s-42")).isEqualTo(before);
  }

  private String restVersionAs(String user) {
    return restVersionAs("x-user", user);
  }

  private String restVersionAs(String header, String value) {
    HttpTestClient.Reply reply =
        http.send(
            HttpRequest.newBuilder(http.uri("/v2/models/classifier/infer"))
                .header("Content-Type", "application/json")
                .header(header, value)
                .POST(HttpRequest.BodyPublishers.ofString(BODY)));
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    return reply.json().get("model_version").stringValue();
  }

  @Test
  void explicitVersionsAreNotAffected() {
    start();
    split("{\"1\": 50, \"2\": 50}");
    for (int i = 0; i < 100; i++) {
      assertThat(restVersion("/v2/models/classifier/versions/2/infer")).isEqualTo("2");
      assertThat(restVersion("/v2/models/classifier/versions/1/infer")).isEqualTo("1");
      assertThat(grpcVersion("1")).isEqualTo("1");
    }
  }

  @Test
  void deleteRestoresTheDefaultVersion() {
    start();
    split("{\"1\": 100}");
    assertThat(restAnswersBy("1", 50)).isEqualTo(50);

    HttpTestClient.Reply cleared = http.delete(TRAFFIC);

    assertThat(cleared.status()).as(cleared.body()).isEqualTo(200);
    assertThat(cleared.json().get("split").isEmpty()).isTrue();
    assertThat(restAnswersBy("2", 50)).isEqualTo(50);
    assertThat(http.get(TRAFFIC).json().get("split").isEmpty()).isTrue();
  }

  @Test
  void theSplitSurvivesARestart() throws IOException {
    start();
    split("{\"1\": 100}");
    server.close();
    server = null;
    assertThat(Files.readString(repo.resolve(".serving/classifier.json")))
        .contains("\"traffic\":{\"1\":100}");

    start();

    assertThat(http.get(TRAFFIC).json().get("split").toString()).isEqualTo("{\"1\":100}");
    assertThat(restAnswersBy("1", 50)).isEqualTo(50);
  }

  @Test
  void aVersionThatLeavesGivesItsShareToTheOthers() throws IOException {
    start();
    split("{\"1\": 50, \"2\": 50}");
    try (Stream<Path> files = Files.walk(repo.resolve("classifier/1"))) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
    HttpTestClient.Reply loaded = http.post("/v2/repository/models/classifier/load", "");
    assertThat(loaded.status()).as(loaded.body()).isEqualTo(200);

    assertThat(restAnswersBy("2", 50)).isEqualTo(50);
    // The stored split is kept as it was set: version 1 takes its share again if it comes back.
    assertThat(http.get(TRAFFIC).json().get("split").toString()).isEqualTo("{\"1\":50,\"2\":50}");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''                                   | 400 | must be a JSON object",
        "[90, 10]                             | 400 | must be a JSON object",
        "{\"1\": 90                           | 400 | not valid JSON",
        "{}                                   | 400 | at least one version",
        "{\"1\": 90}                          | 400 | must sum to 100, got 90",
        "{\"1\": 90, \"2\": 20}               | 400 | must sum to 100, got 110",
        "{\"1\": 90.5, \"2\": 9.5}            | 400 | whole percentage from 1 to 100, got 90.5",
        "{\"1\": \"90\", \"2\": 10}           | 400 | whole percentage from 1 to 100",
        "{\"1\": 0, \"2\": 100}               | 400 | whole percentage from 1 to 100, got 0",
        "{\"1\": 150, \"2\": -50}             | 400 | whole percentage from 1 to 100",
        "{\"v1\": 100}                        | 400 | model version 'v1' is not valid",
        "{\"1\": 50, \"1\": 50}               | 400 | not valid JSON",
        "{\"1\":20,\"2\":20,\"3\":20,\"4\":10,\"5\":10,\"6\":20} | 400 | at most 5 versions",
        "{\"1\": 100, \"sticky_header\": 7}    | 400 | sticky_header' must be a header name",
        "{\"1\": 100, \"sticky_header\": \"a b\"} | 400 | sticky_header' must name a header",
        "{\"sticky_header\": \"x-user\"}         | 400 | at least one version",
        "{\"1\": 50, \"9\": 50}               | 404 | has no loaded version 9 for the traffic split;"
            + " loaded versions are [1, 2]",
      })
  void badSplitsAreRefusedWithAReasonAndChangeNothing(String body, int status, String message) {
    start();
    split("{\"1\": 100}");

    HttpTestClient.Reply reply = http.put(TRAFFIC, body);

    assertThat(reply.status()).as(reply.body()).isEqualTo(status);
    assertThat(reply.error()).contains(message);
    assertThat(http.get(TRAFFIC).json().get("split").toString()).isEqualTo("{\"1\":100}");
  }

  @Test
  void aModelThatIsNotLoadedHasNoSplit() {
    start();
    assertThat(http.put("/v2/models/absent/traffic", "{\"1\": 100}").status()).isEqualTo(404);
    assertThat(http.get("/v2/models/absent/traffic").status()).isEqualTo(404);
    assertThat(http.delete("/v2/models/absent/traffic").status()).isEqualTo(404);
  }
}
