package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

/**
 * Prometheus metrics at {@code /metrics} over real HTTP: format, Triton's families, JVM metrics.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "model-repository=${modelserver.test.repo:../model-repo}")
class MetricsTest {
  /** Triton's per-model families: name → type and HELP text, as Triton writes them. */
  static final Map<String, List<String>> TRITON_FAMILIES = new LinkedHashMap<>();

  static {
    TRITON_FAMILIES.put(
        "nv_inference_request_success",
        List.of("counter", "Number of successful inference requests, all batch sizes"));
    TRITON_FAMILIES.put(
        "nv_inference_request_failure",
        List.of("counter", "Number of failed inference requests, all batch sizes"));
    TRITON_FAMILIES.put(
        "nv_inference_count",
        List.of("counter", "Number of inferences performed (does not include cached requests)"));
    TRITON_FAMILIES.put(
        "nv_inference_exec_count",
        List.of(
            "counter", "Number of model executions performed (does not include cached requests)"));
    TRITON_FAMILIES.put(
        "nv_inference_request_duration_us",
        List.of(
            "counter",
            "Cumulative inference request duration in microseconds (includes cached requests)"));
    TRITON_FAMILIES.put(
        "nv_inference_queue_duration_us",
        List.of(
            "counter",
            "Cumulative inference queuing duration in microseconds (includes cached requests)"));
    TRITON_FAMILIES.put(
        "nv_inference_compute_input_duration_us",
        List.of(
            "counter",
            "Cumulative compute input duration in microseconds (does not include cached"
                + " requests)"));
    TRITON_FAMILIES.put(
        "nv_inference_compute_infer_duration_us",
        List.of(
            "counter",
            "Cumulative compute inference duration in microseconds (does not include cached"
                + " requests)"));
    TRITON_FAMILIES.put(
        "nv_inference_compute_output_duration_us",
        List.of(
            "counter",
            "Cumulative inference compute output duration in microseconds (does not include"
                + " cached requests)"));
    TRITON_FAMILIES.put(
        "nv_inference_pending_request_count",
        List.of("gauge", "Instantaneous number of pending requests awaiting execution per-model."));
  }

  static final List<String> READY_VERSIONS =
      List.of(
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
  static final List<String> REASONS = List.of("REJECTED", "CANCELED", "BACKEND", "OTHER");
  static final Map<String, String> CLASSIFIER_V1 = Map.of("model", "classifier", "version", "1");

  @LocalServerPort int port;
  HttpTestClient http;

  @BeforeEach
  void client() {
    http = new HttpTestClient(port);
  }

  PrometheusText scrape() {
    HttpTestClient.Reply reply = http.get("/metrics");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    return PrometheusText.parse(reply.body());
  }

  static Map<String, String> failure(String reason) {
    return Map.of("model", "classifier", "version", "1", "reason", reason);
  }

  @Test
  void contentTypeIsTextFormat004() {
    HttpTestClient.Reply reply = http.get("/metrics");
    assertThat(reply.status()).isEqualTo(200);
    MediaType type = MediaType.parseMediaType(reply.contentType());
    assertThat(type.isCompatibleWith(MediaType.TEXT_PLAIN)).isTrue();
    assertThat(type.getParameter("version")).isEqualTo("0.0.4");
    assertThat(type.getCharset()).isNotNull();
    assertThat(type.getCharset().name()).isEqualTo("UTF-8");
  }

  @Test
  void prometheusAcceptHeaderGetsTextFormat004() {
    // what Prometheus sends: OpenMetrics preferred, text 0.0.4 accepted
    HttpTestClient.Reply reply =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics"))
                .header(
                    "Accept",
                    "application/openmetrics-text;version=1.0.0;q=0.5,"
                        + "application/openmetrics-text;version=0.0.1;q=0.4,"
                        + "text/plain;version=0.0.4;q=0.3,*/*;q=0.2")
                .GET());
    assertThat(reply.status()).isEqualTo(200);
    assertThat(MediaType.parseMediaType(reply.contentType()).getParameter("version"))
        .isEqualTo("0.0.4");
    PrometheusText.parse(reply.body());
  }

  @Test
  void theWholeExpositionIsValidTextFormat() {
    // a few requests first, so that every kind of meter has values
    http.post(StatisticsTest.CLASSIFIER_V1 + "/infer", StatisticsTest.classifierRequest(2));
    PrometheusText metrics = scrape();
    assertThat(metrics.samples()).isNotEmpty();
    // every family with samples is declared with HELP and TYPE
    for (String family : metrics.types().keySet()) {
      assertThat(metrics.help()).as(family).containsKey(family);
    }
  }

  @Test
  void everyTritonFamilyHasTritonsTypeHelpAndLabels() {
    PrometheusText metrics = scrape();
    for (Map.Entry<String, List<String>> family : TRITON_FAMILIES.entrySet()) {
      String name = family.getKey();
      assertThat(metrics.types().get(name)).as(name).isEqualTo(family.getValue().get(0));
      assertThat(metrics.help().get(name)).as(name).isEqualTo(family.getValue().get(1));
      if (name.equals("nv_inference_request_failure")) {
        for (String reason : REASONS) {
          assertThat(metrics.find(name, failure(reason))).as(name + " " + reason).isPresent();
        }
      } else {
        assertThat(metrics.find(name, CLASSIFIER_V1)).as(name).isPresent();
      }
      // one series per ready version (per reason for failures), and nothing else
      List<String> versions =
          metrics.samples(name).stream()
              .map(s -> s.labels().get("model") + ":" + s.labels().get("version"))
              .distinct()
              .toList();
      assertThat(versions).as(name).containsExactlyElementsOf(READY_VERSIONS);
      int perVersion = name.equals("nv_inference_request_failure") ? REASONS.size() : 1;
      assertThat(metrics.samples(name)).as(name).hasSize(READY_VERSIONS.size() * perVersion);
      for (PrometheusText.Sample sample : metrics.samples(name)) {
        assertThat(sample.value()).as(name).isNotNegative();
      }
    }
  }

  @Test
  void jvmAndProcessMetricsArePresent() {
    PrometheusText metrics = scrape();
    assertThat(metrics.types())
        .containsEntry("jvm_memory_used_bytes", "gauge")
        .containsEntry("jvm_memory_max_bytes", "gauge")
        .containsEntry("jvm_gc_overhead", "gauge")
        .containsEntry("jvm_threads_live_threads", "gauge")
        .containsEntry("jvm_classes_loaded_classes", "gauge")
        .containsEntry("process_uptime_seconds", "gauge")
        .containsEntry("process_cpu_usage", "gauge")
        .containsEntry("system_cpu_count", "gauge");
    assertThat(
            metrics.samples("jvm_memory_used_bytes").stream()
                .filter(s -> "heap".equals(s.labels().get("area")))
                .mapToDouble(PrometheusText.Sample::value)
                .sum())
        .isPositive();
    assertThat(metrics.value("jvm_threads_live_threads", Map.of())).isPositive();
    assertThat(metrics.value("jvm_classes_loaded_classes", Map.of())).isPositive();
    assertThat(metrics.value("process_uptime_seconds", Map.of())).isPositive();
    assertThat(metrics.value("system_cpu_count", Map.of())).isGreaterThanOrEqualTo(1);
    if (!System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("windows")) {
      assertThat(metrics.value("process_files_open_files", Map.of())).isPositive();
    }
    // nothing about HTTP sessions: the REST API has none
    assertThat(metrics.types().keySet()).noneMatch(name -> name.startsWith("tomcat_"));
  }

  @Test
  void tritonMetricsAgreeWithTheStatisticsExtension() {
    for (int rows : new int[] {1, 3, 2}) {
      assertThat(
              http.post(
                      StatisticsTest.CLASSIFIER_V1 + "/infer",
                      StatisticsTest.classifierRequest(rows))
                  .status())
          .isEqualTo(200);
    }
    JsonNode stat =
        http.get(StatisticsTest.CLASSIFIER_V1 + "/stats").json().get("model_stats").get(0);
    PrometheusText metrics = scrape();

    assertThat(stat.get("inference_count").longValue()).isGreaterThanOrEqualTo(6);
    assertThat(metrics.value("nv_inference_request_success", CLASSIFIER_V1))
        .isEqualTo(StatisticsTest.count(stat, "success"));
    assertThat(metrics.value("nv_inference_count", CLASSIFIER_V1))
        .isEqualTo(stat.get("inference_count").longValue());
    assertThat(metrics.value("nv_inference_exec_count", CLASSIFIER_V1))
        .isEqualTo(stat.get("execution_count").longValue());
    assertThat(metrics.value("nv_inference_request_duration_us", CLASSIFIER_V1))
        .isEqualTo(StatisticsTest.ns(stat, "success") / 1000);
    assertThat(metrics.value("nv_inference_queue_duration_us", CLASSIFIER_V1))
        .isEqualTo(StatisticsTest.ns(stat, "queue") / 1000);
    assertThat(metrics.value("nv_inference_compute_input_duration_us", CLASSIFIER_V1))
        .isEqualTo(StatisticsTest.ns(stat, "compute_input") / 1000);
    assertThat(metrics.value("nv_inference_compute_infer_duration_us", CLASSIFIER_V1))
        .isEqualTo(StatisticsTest.ns(stat, "compute_infer") / 1000);
    assertThat(metrics.value("nv_inference_compute_output_duration_us", CLASSIFIER_V1))
        .isEqualTo(StatisticsTest.ns(stat, "compute_output") / 1000);
    assertThat(metrics.value("nv_inference_request_duration_us", CLASSIFIER_V1)).isPositive();
    double failures = 0;
    for (String reason : REASONS) {
      failures += metrics.value("nv_inference_request_failure", failure(reason));
    }
    assertThat(failures).isEqualTo(StatisticsTest.count(stat, "fail"));
    // nothing is in flight between requests
    assertThat(metrics.value("nv_inference_pending_request_count", CLASSIFIER_V1)).isZero();
  }

  @Test
  void summaryLatenciesGiveTheQuantilesOfSuccessfulRequests() throws InterruptedException {
    for (int i = 0; i < 5; i++) {
      assertThat(
              http.post(
                      StatisticsTest.CLASSIFIER_V1 + "/infer", StatisticsTest.classifierRequest(1))
                  .status())
          .isEqualTo(200);
    }
    // The summary hears of a request as its future completes, which may be just after the reply.
    PrometheusText metrics = scrape();
    for (int i = 0;
        i < 50 && metrics.value("nv_inference_request_summary_us_count", CLASSIFIER_V1) < 5;
        i++) {
      Thread.sleep(20);
      metrics = scrape();
    }
    assertThat(metrics.value("nv_inference_request_summary_us_count", CLASSIFIER_V1))
        .isGreaterThanOrEqualTo(5);
    assertThat(metrics.types()).containsEntry("nv_inference_request_summary_us", "summary");
    Map<String, String> p99 = new java.util.HashMap<>(CLASSIFIER_V1);
    p99.put("quantile", "0.99");
    Map<String, String> p50 = new java.util.HashMap<>(CLASSIFIER_V1);
    p50.put("quantile", "0.5");
    assertThat(metrics.value("nv_inference_request_summary_us", p99))
        .isPositive()
        .isGreaterThanOrEqualTo(metrics.value("nv_inference_request_summary_us", p50));
  }

  @Test
  void aValidationFailureIsCountedWithReasonOther() {
    PrometheusText before = scrape();
    HttpTestClient.Reply reply =
        http.post(
            StatisticsTest.CLASSIFIER_V1 + "/infer",
            "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,5],\"datatype\":\"FP32\","
                + "\"data\":[1,2,3,4,5]}]}");
    assertThat(reply.status()).isEqualTo(400);
    PrometheusText after = scrape();
    for (String reason : REASONS) {
      double delta =
          after.value("nv_inference_request_failure", failure(reason))
              - before.value("nv_inference_request_failure", failure(reason));
      assertThat(delta).as(reason).isEqualTo(reason.equals("OTHER") ? 1 : 0);
    }
    assertThat(after.value("nv_inference_request_success", CLASSIFIER_V1))
        .isEqualTo(before.value("nv_inference_request_success", CLASSIFIER_V1));
  }

  @Test
  void eachScrapeIsFresh() {
    double before = scrape().value("nv_inference_request_success", CLASSIFIER_V1);
    assertThat(
            http.post(StatisticsTest.CLASSIFIER_V1 + "/infer", StatisticsTest.classifierRequest(1))
                .status())
        .isEqualTo(200);
    assertThat(scrape().value("nv_inference_request_success", CLASSIFIER_V1)).isEqualTo(before + 1);
  }

  @Test
  void wrongMethodIs405() {
    HttpTestClient.Reply reply = http.post("/metrics", "{}");
    assertThat(reply.status()).isEqualTo(405);
    assertThat(reply.error()).contains("GET");
  }
}
