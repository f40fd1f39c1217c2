package org.modelserver.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.stats.FailureReason;
import org.modelserver.runtime.stats.ModelStatistics;
import org.modelserver.server.PrometheusText;

/** The Triton block of {@code /metrics}, from known statistics, without a server. */
class TritonMetricsTest {

  static String write(List<ModelStatistics> series) {
    StringBuilder out = new StringBuilder();
    TritonMetrics.write(series, out);
    return out.toString();
  }

  @Test
  void valuesComeFromTheStatisticsWithDurationsInMicroseconds() {
    ModelStatistics stats = new ModelStatistics("m", 3);
    stats.enqueued();
    stats.enqueued();
    stats.dequeued();
    stats.executed(4, 3_000, 5_999, 1_000);
    stats.requestSucceeded(4, 2_500, 3_000, 5_999, 1_000, 12_345);
    stats.requestSucceeded(1, 600, 100, 100, 100, 1_700);
    stats.requestFailed(FailureReason.BACKEND, 7_000);

    String text = write(List.of(stats));
    assertThat(text)
        .contains("nv_inference_request_success{model=\"m\",version=\"3\"} 2\n")
        .contains("nv_inference_request_failure{model=\"m\",reason=\"BACKEND\",version=\"3\"} 1\n")
        .contains("nv_inference_request_failure{model=\"m\",reason=\"OTHER\",version=\"3\"} 0\n")
        .contains("nv_inference_count{model=\"m\",version=\"3\"} 5\n")
        .contains("nv_inference_exec_count{model=\"m\",version=\"3\"} 1\n")
        // the cumulative nanoseconds are converted, not each request's: 14045 ns → 14 us
        .contains("nv_inference_request_duration_us{model=\"m\",version=\"3\"} 14\n")
        .contains("nv_inference_queue_duration_us{model=\"m\",version=\"3\"} 3\n")
        .contains("nv_inference_compute_input_duration_us{model=\"m\",version=\"3\"} 3\n")
        .contains("nv_inference_compute_infer_duration_us{model=\"m\",version=\"3\"} 6\n")
        .contains("nv_inference_compute_output_duration_us{model=\"m\",version=\"3\"} 1\n")
        .contains("nv_inference_pending_request_count{model=\"m\",version=\"3\"} 1\n");

    PrometheusText parsed = PrometheusText.parse(text);
    assertThat(parsed.types()).hasSize(10);
    assertThat(parsed.help()).hasSize(10);
    assertThat(parsed.samples()).hasSize(9 + FailureReason.values().length);
  }

  @Test
  void labelValuesAreEscaped() {
    String name = "a\"b\\c\nd";
    String text = write(List.of(new ModelStatistics(name, 1)));
    assertThat(text).contains("{model=\"a\\\"b\\\\c\\nd\",version=\"1\"}");
    PrometheusText parsed = PrometheusText.parse(text);
    assertThat(parsed.value("nv_inference_count", Map.of("model", name, "version", "1"))).isZero();
    assertThat(TritonMetrics.escapeLabelValue("plain_name-1.0")).isEqualTo("plain_name-1.0");
  }

  @Test
  void withoutModelsEveryFamilyIsStillDeclared() {
    String text = write(List.of());
    PrometheusText parsed = PrometheusText.parse(text);
    assertThat(parsed.samples()).isEmpty();
    assertThat(parsed.types()).hasSize(10);
    assertThat(text.lines().filter(l -> l.startsWith("# HELP ")).count()).isEqualTo(10);
  }

  @Test
  void severalVersionsKeepEachFamilyTogether() {
    String text = write(List.of(new ModelStatistics("a", 1), new ModelStatistics("a", 2)));
    PrometheusText parsed = PrometheusText.parse(text); // fails if a family's lines were split
    assertThat(parsed.samples("nv_inference_request_success")).hasSize(2);
    assertThat(parsed.samples("nv_inference_request_failure")).hasSize(8);
  }
}
