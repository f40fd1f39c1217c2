package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * Triton's statistics extension over real HTTP: the JSON shape and field names, which versions are
 * listed, errors, and that inferences are counted.
 *
 * <p>The Spring context (and so the statistics) is shared with other test classes, so counts are
 * checked as differences around the requests a test sends itself.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "model-repository=${modelserver.test.repo:../model-repo}")
class StatisticsTest {
  static final String CLASSIFIER_V1 = "/v2/models/classifier/versions/1";

  @LocalServerPort int port;
  HttpTestClient http;

  @BeforeEach
  void client() {
    http = new HttpTestClient(port);
  }

  static List<String> names(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.propertyNames().forEach(names::add);
    return names;
  }

  static String classifierRequest(int rows) {
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < rows * 4; i++) {
      data.append(i == 0 ? "" : ",").append(i * 0.25);
    }
    return "{\"inputs\":[{\"name\":\"features\",\"shape\":["
        + rows
        + ",4],\"datatype\":\"FP32\",\"data\":["
        + data
        + "]}]}";
  }

  JsonNode stats(String path) {
    HttpTestClient.Reply reply = http.get(path);
    assertThat(reply.status()).as(path + ": " + reply.body()).isEqualTo(200);
    assertThat(reply.contentType()).startsWith("application/json");
    JsonNode body = reply.json();
    assertThat(names(body)).containsExactly("model_stats");
    return body.get("model_stats");
  }

  JsonNode classifierV1() {
    JsonNode list = stats(CLASSIFIER_V1 + "/stats");
    assertThat(list.size()).isEqualTo(1);
    return list.get(0);
  }

  static long count(JsonNode stat, String field) {
    return stat.get("inference_stats").get(field).get("count").longValue();
  }

  static long ns(JsonNode stat, String field) {
    return stat.get("inference_stats").get(field).get("ns").longValue();
  }

  static List<String> nameAndVersion(JsonNode list) {
    List<String> result = new ArrayList<>();
    list.forEach(
        s -> result.add(s.get("name").stringValue() + ":" + s.get("version").stringValue()));
    return result;
  }

  static void assertDuration(JsonNode duration, String what) {
    assertThat(names(duration)).as(what).containsExactly("count", "ns");
    assertThat(duration.get("count").isIntegralNumber()).as(what).isTrue();
    assertThat(duration.get("ns").isIntegralNumber()).as(what).isTrue();
    assertThat(duration.get("count").longValue()).as(what).isNotNegative();
    assertThat(duration.get("ns").longValue()).as(what).isNotNegative();
  }

  @Test
  void serverMetadataAnnouncesTheStatisticsExtension() {
    JsonNode extensions = http.get("/v2").json().get("extensions");
    List<String> values = new ArrayList<>();
    extensions.forEach(e -> values.add(e.stringValue()));
    assertThat(values).contains("statistics", "model_configuration");
  }

  @Test
  void statisticsHaveTritonsShapeAndFieldNames() {
    // one successful request first, so that batch_stats has an entry to check
    assertThat(http.post(CLASSIFIER_V1 + "/infer", classifierRequest(1)).status()).isEqualTo(200);
    JsonNode stat = classifierV1();
    assertThat(names(stat))
        .containsExactly(
            "name",
            "version",
            "last_inference",
            "inference_count",
            "execution_count",
            "inference_stats",
            "batch_stats");
    assertThat(stat.get("name").stringValue()).isEqualTo("classifier");
    assertThat(stat.get("version").isString()).isTrue();
    assertThat(stat.get("version").stringValue()).isEqualTo("1");
    for (String field : List.of("last_inference", "inference_count", "execution_count")) {
      assertThat(stat.get(field).isIntegralNumber()).as(field).isTrue();
    }

    JsonNode inference = stat.get("inference_stats");
    assertThat(names(inference))
        .containsExactly(
            "success",
            "fail",
            "queue",
            "compute_input",
            "compute_infer",
            "compute_output",
            "cache_hit",
            "cache_miss");
    for (String field : names(inference)) {
      assertDuration(inference.get(field), field);
    }
    assertThat(inference.get("cache_hit").toString()).isEqualTo("{\"count\":0,\"ns\":0}");
    assertThat(inference.get("cache_miss").toString()).isEqualTo("{\"count\":0,\"ns\":0}");

    JsonNode batches = stat.get("batch_stats");
    assertThat(batches.isArray()).isTrue();
    assertThat(batches.size()).as("batch_stats after a successful inference").isPositive();
    for (JsonNode batch : batches) {
      assertThat(names(batch))
          .containsExactly("batch_size", "compute_input", "compute_infer", "compute_output");
      assertThat(batch.get("batch_size").isIntegralNumber()).isTrue();
      for (String field : List.of("compute_input", "compute_infer", "compute_output")) {
        assertDuration(batch.get(field), "batch " + field);
      }
    }
  }

  @Test
  void allStatisticsListEveryReadyVersionOfEveryModel() {
    assertThat(nameAndVersion(stats("/v2/models/stats")))
        .containsExactly(
            "binary_classifier_torch:1",
            "classifier:1",
            "classifier:2",
            "classifier_head:1",
            "classifier_torch:1",
            "classifier_torch:2",
            "feature_extractor:1",
            "feature_pipeline:1",
            "identity_half:1",
            "identity_types:1",
            "mixed_io:1",
            "mixed_io_torch:1",
            "regressor_torch:1",
            "token_embed:1",
            "token_embed_torch:1");
  }

  @Test
  void statsIsNotTakenForAModelName() {
    // /v2/models/stats must reach the statistics, not the metadata of a model named "stats"
    HttpTestClient.Reply reply = http.get("/v2/models/stats");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().has("model_stats")).isTrue();
    assertThat(reply.json().has("platform")).isFalse();
  }

  @Test
  void modelStatisticsListEveryReadyVersionOfThatModel() {
    assertThat(nameAndVersion(stats("/v2/models/classifier/stats")))
        .containsExactly("classifier:1", "classifier:2");
    assertThat(nameAndVersion(stats("/v2/models/mixed_io/stats"))).containsExactly("mixed_io:1");
  }

  @Test
  void versionStatisticsListThatVersion() {
    assertThat(nameAndVersion(stats("/v2/models/classifier/versions/2/stats")))
        .containsExactly("classifier:2");
  }

  @Test
  void unknownModelOrVersionIs404AndMalformedVersionIs400() {
    HttpTestClient.Reply model = http.get("/v2/models/nope/stats");
    assertThat(model.status()).isEqualTo(404);
    assertThat(model.error()).contains("unknown model 'nope'");

    HttpTestClient.Reply modelVersion = http.get("/v2/models/nope/versions/1/stats");
    assertThat(modelVersion.status()).isEqualTo(404);
    assertThat(modelVersion.error()).contains("unknown model 'nope'");

    HttpTestClient.Reply version = http.get("/v2/models/classifier/versions/9/stats");
    assertThat(version.status()).isEqualTo(404);
    assertThat(version.error()).contains("no version 9").contains("[1, 2]");

    HttpTestClient.Reply malformed = http.get("/v2/models/classifier/versions/x1/stats");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.error()).contains("'x1'");
  }

  @Test
  void wrongMethodIs405() {
    HttpTestClient.Reply reply = http.post("/v2/models/classifier/stats", "{}");
    assertThat(reply.status()).isEqualTo(405);
    assertThat(reply.error()).contains("GET");
  }

  @Test
  void successfulInferencesAreCounted() {
    int[] rows = {1, 2, 3, 1, 2};
    int totalRows = 0;
    JsonNode before = classifierV1();
    long start = System.currentTimeMillis();
    for (int r : rows) {
      HttpTestClient.Reply reply = http.post(CLASSIFIER_V1 + "/infer", classifierRequest(r));
      assertThat(reply.status()).as(reply.body()).isEqualTo(200);
      totalRows += r;
    }
    long end = System.currentTimeMillis();
    JsonNode after = classifierV1();

    assertThat(count(after, "success") - count(before, "success")).isEqualTo(rows.length);
    assertThat(ns(after, "success")).isGreaterThan(ns(before, "success"));
    assertThat(count(after, "fail")).isEqualTo(count(before, "fail"));
    // queue and compute durations are recorded once per successful request
    for (String field : List.of("queue", "compute_input", "compute_infer", "compute_output")) {
      assertThat(count(after, field) - count(before, field)).as(field).isEqualTo(rows.length);
    }
    assertThat(ns(after, "compute_infer")).isGreaterThan(ns(before, "compute_infer"));
    // inference_count counts batch rows, not requests
    assertThat(after.get("inference_count").longValue() - before.get("inference_count").longValue())
        .isEqualTo(totalRows);
    long executions =
        after.get("execution_count").longValue() - before.get("execution_count").longValue();
    assertThat(executions).isBetween(1L, (long) rows.length);
    assertThat(after.get("last_inference").longValue()).isBetween(start, end);

    // batch_stats: every execution appears under its batch size, in ascending order
    JsonNode batches = after.get("batch_stats");
    assertThat(batches.size()).isPositive();
    long executionsByBatch = 0;
    long previousSize = 0;
    for (JsonNode batch : batches) {
      long size = batch.get("batch_size").longValue();
      assertThat(size).isGreaterThan(previousSize).isBetween(1L, 32L);
      previousSize = size;
      long infers = batch.get("compute_infer").get("count").longValue();
      assertThat(batch.get("compute_input").get("count").longValue()).isEqualTo(infers);
      assertThat(batch.get("compute_output").get("count").longValue()).isEqualTo(infers);
      executionsByBatch += infers;
    }
    assertThat(executionsByBatch).isEqualTo(after.get("execution_count").longValue());
  }

  @Test
  void aFailedInferenceIsCountedAsFailed() {
    JsonNode before = classifierV1();
    // passes JSON decoding, fails validation against the model (5 features instead of 4)
    HttpTestClient.Reply reply =
        http.post(
            CLASSIFIER_V1 + "/infer",
            "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,5],\"datatype\":\"FP32\","
                + "\"data\":[1,2,3,4,5]}]}");
    assertThat(reply.status()).isEqualTo(400);
    JsonNode after = classifierV1();
    assertThat(count(after, "fail") - count(before, "fail")).isEqualTo(1);
    assertThat(count(after, "success")).isEqualTo(count(before, "success"));
    assertThat(after.get("inference_count").longValue())
        .isEqualTo(before.get("inference_count").longValue());
  }

  @Test
  void requestsToOtherVersionsAreNotCountedHere() {
    JsonNode before = classifierV1();
    assertThat(http.post("/v2/models/classifier/versions/2/infer", classifierRequest(2)).status())
        .isEqualTo(200);
    JsonNode after = classifierV1();
    assertThat(count(after, "success")).isEqualTo(count(before, "success"));
    assertThat(after.get("inference_count").longValue())
        .isEqualTo(before.get("inference_count").longValue());
  }
}
