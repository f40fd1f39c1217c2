package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The test-side format checker refuses what Prometheus would refuse. */
class PrometheusTextTest {

  @Test
  void readsValidText() {
    PrometheusText text =
        PrometheusText.parse(
            "# HELP a_total Some help with \\\\ and \\n\n"
                + "# TYPE a_total counter\n"
                + "a_total{x=\"1\",y=\"q\\\"\\\\\\n\"} 3.5E2\n"
                + "a_total{x=\"2\"} NaN 1700000000000\n"
                + "# TYPE h histogram\n"
                + "h_bucket{le=\"+Inf\"} 1\n"
                + "h_sum 2\n"
                + "h_count 1\n"
                + "b -Inf\n");
    assertThat(text.value("a_total", Map.of("x", "1", "y", "q\"\\\n"))).isEqualTo(350);
    assertThat(text.samples()).hasSize(6);
  }

  @Test
  void refusesInvalidText() {
    String[] invalid = {
      "a 1", // no final line feed
      "a 1\n\nb 2\n", // empty line
      "a{x=\"1\"} 1\nb 1\na{x=\"2\"} 1\n", // family split
      "a 1\na 2\n", // duplicate series
      "a{x=\"1\",x=\"2\"} 1\n", // repeated label
      "a{x=\"\\t\"} 1\n", // invalid escape
      "a{x=1} 1\n", // unquoted value
      "a{1x=\"1\"} 1\n", // invalid label name
      "1a 1\n", // invalid metric name
      "a  1\n", // two spaces
      "a one\n", // not a number
      "# TYPE a counter\n# TYPE a counter\na 1\n", // TYPE twice
      "# HELP a x\n# HELP a y\na 1\n", // HELP twice
      "a 1\n# TYPE a counter\n", // TYPE after samples
      "# TYPE a countr\na 1\n", // unknown type
      "# HELP a bad \\t escape\na 1\n", // invalid HELP escape
    };
    for (String text : invalid) {
      assertThatThrownBy(() -> PrometheusText.parse(text))
          .as(text)
          .isInstanceOf(AssertionError.class);
    }
  }
}
