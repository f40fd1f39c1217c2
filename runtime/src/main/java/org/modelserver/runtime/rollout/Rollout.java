package org.modelserver.runtime.rollout;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * One model's rollout: its policy, its phase and step, the sliding windows of its baseline and
 * canary, and the transitions so far. {@link #evaluate} judges the windows against the policy;
 * {@link Rollouts} applies the verdict to the traffic split and then calls {@link #advance} or
 * {@link #end}. Recording is lock-free; the rest is synchronized.
 */
public final class Rollout implements AutoCloseable {
  /** Transitions kept, the oldest dropped first. */
  static final int MAX_TRANSITIONS = 50;

  /** Where a rollout stands. */
  public enum Phase {
    RUNNING,
    PROMOTED,
    ROLLED_BACK,
    STOPPED
  }

  /**
   * One change of phase or step, as the API shows it and the log records it.
   *
   * @param canaryPercent the canary's share after the change
   */
  public record Transition(Instant at, Phase phase, int canaryPercent, String reason) {}

  /** What {@link #evaluate} decided. */
  public enum Verdict {
    ADVANCE,
    PROMOTE,
    ROLLBACK
  }

  /** A verdict and its reason, with the figures it rests on. */
  public record Judgement(Verdict verdict, String reason) {}

  /** The rollout as the API shows it. */
  public record Status(
      String model,
      RolloutPolicy policy,
      Phase phase,
      int step,
      int canaryPercent,
      String reason,
      WindowFigures baseline,
      WindowFigures canary,
      List<Transition> transitions) {}

  private final String model;
  private final RolloutPolicy policy;
  private final long baseline;
  private final MeterRegistry meters;
  private final Clock clock;
  private final Deque<Transition> transitions = new ArrayDeque<>();
  private final List<Meter> gauges = new ArrayList<>();
  private Phase phase;
  private int step;
  private Instant stepStarted;
  private String reason;
  private volatile Windows windows;

  /** The two windows of one step. */
  private record Windows(VersionWindow baseline, VersionWindow canary) {
    void close() {
      baseline.close();
      canary.close();
    }
  }

  /**
   * @param policy with its baseline decided
   * @param phase where it stands (RUNNING for a new one)
   * @param step the step it is at (0-based)
   * @param history transitions so far (read from disk on a restart), oldest first
   */
  Rollout(
      String model,
      RolloutPolicy policy,
      Phase phase,
      int step,
      List<Transition> history,
      MeterRegistry meters,
      Clock clock) {
    this.model = model;
    this.policy = policy;
    this.baseline = policy.baseline().orElseThrow();
    this.meters = meters;
    this.clock = clock;
    this.phase = phase;
    this.step = step;
    this.stepStarted = clock.instant();
    transitions.addAll(history);
    this.reason = history.isEmpty() ? "" : history.get(history.size() - 1).reason();
    this.windows = newWindows();
    gauge("model_rollout_canary_percent", "The canary's share of requests", Rollout::canaryShare);
    for (Phase each : Phase.values()) {
      gauge(
          "model_rollout_phase",
          "1 for the rollout's phase, 0 for the others",
          rollout -> rollout.phase() == each ? 1 : 0,
          "phase",
          each.name());
    }
  }

  private void gauge(String name, String help, ToDoubleFunction<Rollout> value, String... tags) {
    gauges.add(
        Gauge.builder(name, this, value)
            .description(help)
            .tags("model", model, "baseline", Long.toString(baseline))
            .tags("canary", Long.toString(policy.canary()))
            .tags(tags)
            .register(meters));
  }

  private Windows newWindows() {
    return new Windows(
        new VersionWindow(model, baseline, "baseline", policy.windowSeconds(), meters, clock),
        new VersionWindow(model, policy.canary(), "canary", policy.windowSeconds(), meters, clock));
  }

  public String model() {
    return model;
  }

  public RolloutPolicy policy() {
    return policy;
  }

  public synchronized Phase phase() {
    return phase;
  }

  synchronized int step() {
    return step;
  }

  /** The canary's share now: its step's while running, 100 once promoted, 0 once rolled back. */
  public synchronized int canaryShare() {
    return switch (phase) {
      case PROMOTED -> 100;
      case ROLLED_BACK -> 0;
      case RUNNING, STOPPED -> policy.share(step);
    };
  }

  /** Records a finished request to the baseline or the canary; others are ignored. */
  void record(long version, long nanos, Throwable failure) {
    Windows current = windows;
    if (version == baseline) {
      current.baseline().record(nanos, failure);
    } else if (version == policy.canary()) {
      current.canary().record(nanos, failure);
    }
  }

  /**
   * Judges the step: a rollback as soon as the canary has {@code min_requests} requests in its
   * window and fails a check; the next step (or promotion after the last) once it also passed them
   * for {@code step_seconds}; nothing while it lacks requests or time, or is not RUNNING.
   */
  synchronized Optional<Judgement> evaluate() {
    if (phase != Phase.RUNNING) {
      return Optional.empty();
    }
    WindowFigures base = windows.baseline().figures();
    WindowFigures canary = windows.canary().figures();
    if (canary.requests() < policy.minRequests()) {
      return Optional.empty();
    }
    double increase = canary.errorPercent() - base.errorPercent();
    if (increase > policy.maxErrorRateIncrease()) {
      return Optional.of(
          new Judgement(
              Verdict.ROLLBACK,
              String.format(
                  Locale.ROOT,
                  "canary error rate %.2f%% (%d of %d requests) is %.2f points above the"
                      + " baseline's %.2f%% (%d of %d), more than max_error_rate_increase %.2f",
                  canary.errorPercent(),
                  canary.failures(),
                  canary.requests(),
                  increase,
                  base.errorPercent(),
                  base.failures(),
                  base.requests(),
                  policy.maxErrorRateIncrease())));
    }
    boolean latencyMeasured =
        canary.successes() >= policy.minRequests() && base.successes() >= policy.minRequests();
    double limit = base.p99Millis() * policy.maxP99Ratio() + policy.p99SlackMillis();
    if (latencyMeasured && canary.p99Millis() > limit) {
      return Optional.of(
          new Judgement(
              Verdict.ROLLBACK,
              String.format(
                  Locale.ROOT,
                  "canary p99 latency %.3f ms is above %.3f ms (the baseline's %.3f ms x"
                      + " max_p99_ratio %.2f + p99_slack_ms %.2f)",
                  canary.p99Millis(),
                  limit,
                  base.p99Millis(),
                  policy.maxP99Ratio(),
                  policy.p99SlackMillis())));
    }
    if (Duration.between(stepStarted, clock.instant()).getSeconds() < policy.stepSeconds()) {
      return Optional.empty();
    }
    boolean last = step == policy.steps().size() - 1;
    String figures =
        String.format(
            Locale.ROOT,
            "canary passed step %d (%d%%): error rate %.2f%% (%d of %d) vs the baseline's %.2f%%"
                + " (%d of %d), p99 %s",
            step + 1,
            policy.share(step),
            canary.errorPercent(),
            canary.failures(),
            canary.requests(),
            base.errorPercent(),
            base.failures(),
            base.requests(),
            latencyMeasured
                ? String.format(
                    Locale.ROOT, "%.3f ms vs %.3f ms", canary.p99Millis(), base.p99Millis())
                : "not compared (fewer than min_requests successes on one side)");
    return Optional.of(new Judgement(last ? Verdict.PROMOTE : Verdict.ADVANCE, figures));
  }

  /** Moves to the next step with fresh windows, once the split gives the canary its share. */
  synchronized void advance(String why) {
    step++;
    stepStarted = clock.instant();
    Windows old = windows;
    windows = newWindows();
    old.close();
    transition(Phase.RUNNING, why);
  }

  /** Ends the rollout: PROMOTED, ROLLED_BACK or STOPPED, with the reason. */
  synchronized void end(Phase next, String why) {
    phase = next;
    transition(next, why);
  }

  /** Records the start (or a resumption) as a transition. */
  synchronized void started(String why) {
    transition(phase, why);
  }

  private void transition(Phase next, String why) {
    reason = why;
    transitions.addLast(new Transition(clock.instant(), next, canaryShare(), why));
    while (transitions.size() > MAX_TRANSITIONS) {
      transitions.removeFirst();
    }
  }

  synchronized List<Transition> transitions() {
    return List.copyOf(transitions);
  }

  public synchronized Status status() {
    return new Status(
        model,
        policy,
        phase,
        step + 1,
        canaryShare(),
        reason,
        windows.baseline().figures(),
        windows.canary().figures(),
        List.copyOf(transitions));
  }

  /** Removes its meters from the registry. */
  @Override
  public synchronized void close() {
    windows.close();
    gauges.forEach(meters::remove);
    gauges.clear();
  }
}
