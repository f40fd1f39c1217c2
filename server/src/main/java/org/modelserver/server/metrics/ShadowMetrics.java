package org.modelserver.server.metrics;

import java.util.List;
import java.util.OptionalDouble;
import java.util.function.Function;
import org.modelserver.runtime.inference.ShadowStats;

/**
 * Shadow traffic in the Prometheus text format: per model, answering version and shadow version,
 * the requests mirrored, dropped and failed, and per output how the shadow's outputs agree. A
 * family is written only once some shadow traffic was seen.
 */
final class ShadowMetrics {
  private ShadowMetrics() {}

  private record OutputFamily(
      String name,
      String type,
      String help,
      Function<ShadowStats.OutputReport, OptionalDouble> value) {}

  private static final List<OutputFamily> OUTPUT_FAMILIES =
      List.of(
          new OutputFamily(
              "nv_shadow_outputs_compared_total",
              "counter",
              "Responses whose output was compared with the shadow version's (same type and shape)",
              output -> OptionalDouble.of(output.compared())),
          new OutputFamily(
              "nv_shadow_shape_mismatch_total",
              "counter",
              "Responses whose output had another data type or shape on the shadow version",
              output -> OptionalDouble.of(output.shapeMismatches())),
          new OutputFamily(
              "nv_shadow_argmax_rows_total",
              "counter",
              "Rows (along the last dimension) whose arg-max was compared",
              output -> OptionalDouble.of(output.rows())),
          new OutputFamily(
              "nv_shadow_argmax_agreeing_rows_total",
              "counter",
              "Rows whose arg-max was the same on the shadow version (BYTES: equal elements)",
              output -> OptionalDouble.of(output.agreeingRows())),
          new OutputFamily(
              "nv_shadow_argmax_agreement_ratio",
              "gauge",
              "Share of compared rows whose arg-max agreed",
              ShadowStats.OutputReport::argmaxAgreement),
          new OutputFamily(
              "nv_shadow_max_abs_diff",
              "gauge",
              "Largest absolute difference of any output element from the shadow version's",
              ShadowStats.OutputReport::maxAbsDiff),
          new OutputFamily(
              "nv_shadow_mean_max_abs_diff",
              "gauge",
              "Mean over compared responses of each one's largest absolute difference",
              ShadowStats.OutputReport::meanMaxAbsDiff));

  static void write(List<ShadowStats.PairReport> pairs, StringBuilder out) {
    if (pairs.isEmpty()) {
      return;
    }
    header(
        "nv_shadow_requests_total",
        "counter",
        "Requests chosen for shadow traffic, by outcome (mirrored, dropped for lack of room,"
            + " failed)",
        out);
    for (ShadowStats.PairReport pair : pairs) {
      outcome(pair, "mirrored", pair.mirrored(), out);
      outcome(pair, "dropped", pair.dropped(), out);
      outcome(pair, "failed", pair.failed(), out);
    }
    for (OutputFamily family : OUTPUT_FAMILIES) {
      header(family.name(), family.type(), family.help(), out);
      for (ShadowStats.PairReport pair : pairs) {
        for (ShadowStats.OutputReport output : pair.outputs()) {
          OptionalDouble value = family.value().apply(output);
          if (value.isPresent()) {
            labels(family.name(), pair, out)
                .append(",output=\"")
                .append(TritonMetrics.escapeLabelValue(output.name()))
                .append("\"} ")
                .append(number(value.getAsDouble()))
                .append('\n');
          }
        }
      }
    }
  }

  private static void outcome(
      ShadowStats.PairReport pair, String outcome, long count, StringBuilder out) {
    labels("nv_shadow_requests_total", pair, out)
        .append(",outcome=\"")
        .append(outcome)
        .append("\"} ")
        .append(count)
        .append('\n');
  }

  private static StringBuilder labels(String name, ShadowStats.PairReport pair, StringBuilder out) {
    return out.append(name)
        .append("{model=\"")
        .append(TritonMetrics.escapeLabelValue(pair.model()))
        .append("\",version=\"")
        .append(pair.version())
        .append("\",shadow_version=\"")
        .append(pair.shadowVersion())
        .append('"');
  }

  private static String number(double value) {
    if (Double.isInfinite(value)) {
      return value > 0 ? "+Inf" : "-Inf";
    }
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return Double.toString(value);
  }

  private static void header(String name, String type, String help, StringBuilder out) {
    out.append("# HELP ").append(name).append(' ').append(TritonMetrics.escapeHelp(help));
    out.append('\n').append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }
}
