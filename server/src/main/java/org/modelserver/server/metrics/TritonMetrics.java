package org.modelserver.server.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import org.modelserver.runtime.registry.Model;
import org.modelserver.runtime.registry.ModelVersion;
import org.modelserver.runtime.stats.FailureReason;
import org.modelserver.runtime.stats.ModelStatistics;

/**
 * Triton's per-model inference metrics in the Prometheus text exposition format (0.0.4), with
 * Triton's names, types, help texts and labels ({@code model}, {@code version}, and {@code reason}
 * on failures), so that dashboards made for Triton work unchanged. Generated from {@link
 * ModelStatistics} on each scrape; durations are microseconds.
 */
final class TritonMetrics {
  private TritonMetrics() {}

  private record Family(
      String name, String type, String help, ToLongFunction<ModelStatistics> value) {}

  private static final List<Family> BEFORE_FAILURES =
      List.of(
          new Family(
              "nv_inference_request_success",
              "counter",
              "Number of successful inference requests, all batch sizes",
              s -> s.success().count()));

  private static final List<Family> AFTER_FAILURES =
      List.of(
          new Family(
              "nv_inference_count",
              "counter",
              "Number of inferences performed (does not include cached requests)",
              ModelStatistics::inferenceCount),
          new Family(
              "nv_inference_exec_count",
              "counter",
              "Number of model executions performed (does not include cached requests)",
              ModelStatistics::executionCount),
          new Family(
              "nv_inference_request_duration_us",
              "counter",
              "Cumulative inference request duration in microseconds (includes cached requests)",
              s -> micros(s.success().ns())),
          new Family(
              "nv_inference_queue_duration_us",
              "counter",
              "Cumulative inference queuing duration in microseconds (includes cached requests)",
              s -> micros(s.queue().ns())),
          new Family(
              "nv_inference_compute_input_duration_us",
              "counter",
              "Cumulative compute input duration in microseconds (does not include cached"
                  + " requests)",
              s -> micros(s.computeInput().ns())),
          new Family(
              "nv_inference_compute_infer_duration_us",
              "counter",
              "Cumulative compute inference duration in microseconds (does not include cached"
                  + " requests)",
              s -> micros(s.computeInfer().ns())),
          new Family(
              "nv_inference_compute_output_duration_us",
              "counter",
              "Cumulative inference compute output duration in microseconds (does not include"
                  + " cached requests)",
              s -> micros(s.computeOutput().ns())),
          new Family(
              "nv_inference_pending_request_count",
              "gauge",
              "Instantaneous number of pending requests awaiting execution per-model.",
              ModelStatistics::pendingRequests));

  /** The statistics of every READY version of {@code models}, in registry order. */
  static List<ModelStatistics> readyVersions(List<Model> models) {
    List<ModelStatistics> series = new ArrayList<>();
    for (Model model : models) {
      for (ModelVersion version : model.versions().values()) {
        if (version.isReady()) {
          series.add(version.statistics());
        }
      }
    }
    return series;
  }

  /** Writes every family, one series per element of {@code series}. */
  static void write(List<ModelStatistics> series, StringBuilder out) {
    for (Family family : BEFORE_FAILURES) {
      write(family, series, out);
    }
    header(
        "nv_inference_request_failure",
        "counter",
        "Number of failed inference requests, all batch sizes",
        out);
    for (ModelStatistics stats : series) {
      for (FailureReason reason : FailureReason.values()) {
        out.append("nv_inference_request_failure{model=\"")
            .append(escapeLabelValue(stats.model()))
            .append("\",reason=\"")
            .append(escapeLabelValue(reason.name()))
            .append("\",version=\"")
            .append(stats.version())
            .append("\"} ")
            .append(stats.failures(reason))
            .append('\n');
      }
    }
    for (Family family : AFTER_FAILURES) {
      write(family, series, out);
    }
  }

  private static void write(Family family, List<ModelStatistics> series, StringBuilder out) {
    header(family.name(), family.type(), family.help(), out);
    for (ModelStatistics stats : series) {
      out.append(family.name())
          .append("{model=\"")
          .append(escapeLabelValue(stats.model()))
          .append("\",version=\"")
          .append(stats.version())
          .append("\"} ")
          .append(family.value().applyAsLong(stats))
          .append('\n');
    }
  }

  private static void header(String name, String type, String help, StringBuilder out) {
    out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static long micros(long nanos) {
    return nanos / 1000;
  }

  /** Escapes a label value: backslash, double quote and line feed, as the format requires. */
  static String escapeLabelValue(String value) {
    StringBuilder escaped = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> escaped.append("\\\\");
        case '"' -> escaped.append("\\\"");
        case '\n' -> escaped.append("\\n");
        default -> escaped.append(c);
      }
    }
    return escaped.toString();
  }

  /** Escapes a HELP text: backslash and line feed. */
  static String escapeHelp(String help) {
    return help.replace("\\", "\\\\").replace("\n", "\\n");
  }
}
