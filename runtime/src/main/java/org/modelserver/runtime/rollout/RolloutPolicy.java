package org.modelserver.runtime.rollout;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.json.StrictFields;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * How a canary is rolled out: the canary's share at each step, and what it must show at each step
 * before the next one (at least {@code minRequests} requests; an error rate no more than {@code
 * maxErrorRateIncrease} percentage points above the baseline's; a p99 latency no more than {@code
 * maxP99Ratio} times the baseline's plus {@code p99SlackMillis}). Passing the last step promotes
 * the canary to 100%; failing any check rolls it back to 0%. Immutable; {@link #fromJson} validates
 * once.
 *
 * @param baseline the version serving now; empty means the model's default version at the start
 * @param stepSeconds the least time a step lasts before the canary moves on
 * @param windowSeconds the sliding window over which error rates and p99 latencies are measured
 */
public record RolloutPolicy(
    Optional<Long> baseline,
    long canary,
    List<Integer> steps,
    int minRequests,
    int windowSeconds,
    int stepSeconds,
    double maxErrorRateIncrease,
    double maxP99Ratio,
    double p99SlackMillis) {

  public static final List<Integer> DEFAULT_STEPS = List.of(10, 50);
  public static final int DEFAULT_MIN_REQUESTS = 100;
  public static final int DEFAULT_WINDOW_SECONDS = 60;
  public static final int DEFAULT_STEP_SECONDS = 30;
  public static final double DEFAULT_MAX_ERROR_RATE_INCREASE = 1.0;
  public static final double DEFAULT_MAX_P99_RATIO = 1.5;
  public static final double DEFAULT_P99_SLACK_MILLIS = 5.0;
  static final int MAX_STEPS = 10;

  /** An example body, for messages. */
  public static final String EXAMPLE =
      "{\"canary\": 2, \"steps\": [10, 50], \"min_requests\": 100, \"max_error_rate_increase\": 1.0}";

  private static final List<String> FIELDS =
      List.of(
          "baseline",
          "canary",
          "steps",
          "min_requests",
          "window_seconds",
          "step_seconds",
          "max_error_rate_increase",
          "max_p99_ratio",
          "p99_slack_ms");

  public RolloutPolicy {
    steps = List.copyOf(steps);
  }

  /** The canary's share at step {@code index} (0-based), in percent. */
  public int share(int index) {
    return steps.get(index);
  }

  /** This policy with its baseline decided. */
  public RolloutPolicy withBaseline(long version) {
    return new RolloutPolicy(
        Optional.of(version),
        canary,
        steps,
        minRequests,
        windowSeconds,
        stepSeconds,
        maxErrorRateIncrease,
        maxP99Ratio,
        p99SlackMillis);
  }

  /**
   * Reads a policy from a request body (or a stored rollout), every field but {@code canary}
   * optional.
   *
   * @throws ServingException INVALID_ARGUMENT naming the bad field and what is expected
   */
  public static RolloutPolicy fromJson(JsonNode node) {
    StrictFields.fields(ServingException::invalidArgument).check(node, "", FIELDS);
    if (!node.has("canary")) {
      throw ServingException.invalidArgument(
          "a rollout needs field 'canary', the version to roll out; for example " + EXAMPLE);
    }
    Optional<Long> baseline =
        node.hasNonNull("baseline") ? Optional.of(version(node, "baseline")) : Optional.empty();
    long canary = version(node, "canary");
    if (baseline.isPresent() && baseline.get() == canary) {
      throw ServingException.invalidArgument(
          "rollout 'baseline' and 'canary' must be different versions, both are " + canary);
    }
    return new RolloutPolicy(
        baseline,
        canary,
        steps(node.get("steps")),
        wholeNumber(node, "min_requests", DEFAULT_MIN_REQUESTS, 1, 1_000_000),
        wholeNumber(node, "window_seconds", DEFAULT_WINDOW_SECONDS, 1, 3_600),
        wholeNumber(node, "step_seconds", DEFAULT_STEP_SECONDS, 0, 86_400),
        number(node, "max_error_rate_increase", DEFAULT_MAX_ERROR_RATE_INCREASE, 0, 100),
        number(node, "max_p99_ratio", DEFAULT_MAX_P99_RATIO, 1, 1_000),
        number(node, "p99_slack_ms", DEFAULT_P99_SLACK_MILLIS, 0, 60_000));
  }

  /** The policy as {@link #fromJson} reads it. */
  public ObjectNode toJson() {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    baseline.ifPresent(version -> node.put("baseline", Long.toString(version)));
    node.put("canary", Long.toString(canary));
    steps.forEach(node.putArray("steps")::add);
    node.put("min_requests", minRequests);
    node.put("window_seconds", windowSeconds);
    node.put("step_seconds", stepSeconds);
    node.put("max_error_rate_increase", maxErrorRateIncrease);
    node.put("max_p99_ratio", maxP99Ratio);
    node.put("p99_slack_ms", p99SlackMillis);
    return node;
  }

  /** A version as a positive whole number, or a string of one (as the protocol writes them). */
  private static long version(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value.isIntegralNumber() && value.canConvertToLong() && value.asLong() > 0) {
      return value.asLong();
    }
    if (value.isString() && value.asString().matches("[1-9][0-9]{0,17}")) {
      return Long.parseLong(value.asString());
    }
    throw ServingException.invalidArgument(
        "rollout field '" + field + "' must be a version number such as 2 or \"2\", got " + value);
  }

  private static List<Integer> steps(JsonNode node) {
    if (node == null || node.isNull()) {
      return DEFAULT_STEPS;
    }
    String expected =
        "rollout field 'steps' must be 1 to "
            + MAX_STEPS
            + " rising whole percentages from 1 to 99 (the canary's share at each step; passing"
            + " the last promotes it to 100), for example [10, 50]";
    if (!node.isArray() || node.isEmpty() || node.size() > MAX_STEPS) {
      throw ServingException.invalidArgument(expected + ", got " + node);
    }
    List<Integer> steps = new ArrayList<>();
    int previous = 0;
    for (JsonNode step : node) {
      if (!step.isIntegralNumber() || !step.canConvertToInt()) {
        throw ServingException.invalidArgument(expected + ", got " + node);
      }
      int share = step.asInt();
      if (share <= previous || share > 99) {
        throw ServingException.invalidArgument(expected + ", got " + node);
      }
      steps.add(share);
      previous = share;
    }
    return steps;
  }

  private static int wholeNumber(JsonNode node, String field, int fallback, int min, int max) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isIntegralNumber()
        || !value.canConvertToInt()
        || value.asInt() < min
        || value.asInt() > max) {
      throw ServingException.invalidArgument(
          "rollout field '"
              + field
              + "' must be a whole number from "
              + min
              + " to "
              + max
              + ", got "
              + value);
    }
    return value.asInt();
  }

  private static double number(JsonNode node, String field, double fallback, int min, int max) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isNumber() || value.asDouble() < min || value.asDouble() > max) {
      throw ServingException.invalidArgument(
          "rollout field '"
              + field
              + "' must be a number from "
              + min
              + " to "
              + max
              + ", got "
              + value);
    }
    return value.asDouble();
  }
}
