package org.modelserver.runtime.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.error.ServingException;

/** The verdicts of a rollout's judge, on windows fed by hand and a clock moved by hand. */
class RolloutTest {
  private static final long BASELINE = 1;
  private static final long CANARY = 2;
  private static final long FAST = TimeUnit.MILLISECONDS.toNanos(2);

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final MovableClock clock = new MovableClock();

  private Rollout rollout(int minRequests, int stepSeconds, Integer... steps) {
    RolloutPolicy policy =
        new RolloutPolicy(
            Optional.of(BASELINE),
            CANARY,
            List.of(steps),
            minRequests,
            60,
            stepSeconds,
            1.0,
            1.5,
            5.0);
    return new Rollout("m", policy, Rollout.Phase.RUNNING, 0, List.of(), meters, clock);
  }

  private static void feed(Rollout rollout, long version, int requests, int failures, long nanos) {
    for (int i = 0; i < requests; i++) {
      rollout.record(
          version, nanos, i < failures ? ServingException.internal("engine failed", null) : null);
    }
  }

  @Test
  void waitsForTheCanarysMinimumRequests() {
    Rollout rollout = rollout(50, 0, 10, 50);
    feed(rollout, BASELINE, 500, 0, FAST);
    feed(rollout, CANARY, 49, 0, FAST);
    assertThat(rollout.evaluate()).isEmpty();
    feed(rollout, CANARY, 1, 0, FAST);
    assertThat(rollout.evaluate())
        .get()
        .extracting(Rollout.Judgement::verdict)
        .isEqualTo(Rollout.Verdict.ADVANCE);
  }

  @Test
  void rollsBackACanaryFailingMoreThanTheBaseline() {
    Rollout rollout = rollout(50, 0, 10);
    feed(rollout, BASELINE, 500, 0, FAST);
    feed(rollout, CANARY, 100, 20, FAST);
    Rollout.Judgement judgement = rollout.evaluate().orElseThrow();
    assertThat(judgement.verdict()).isEqualTo(Rollout.Verdict.ROLLBACK);
    assertThat(judgement.reason())
        .contains("canary error rate 20.00% (20 of 100 requests)")
        .contains("baseline's 0.00% (0 of 500)")
        .contains("max_error_rate_increase 1.00");
  }

  @Test
  void comparesErrorRatesWithTheBaselines() {
    Rollout rollout = rollout(50, 0, 10);
    feed(rollout, BASELINE, 500, 50, FAST);
    feed(rollout, CANARY, 100, 10, FAST);
    assertThat(rollout.evaluate())
        .get()
        .extracting(Rollout.Judgement::verdict)
        .isEqualTo(Rollout.Verdict.PROMOTE);
  }

  @Test
  void rollsBackASlowCanary() {
    Rollout rollout = rollout(50, 0, 10);
    feed(rollout, BASELINE, 500, 0, FAST);
    feed(rollout, CANARY, 100, 0, TimeUnit.MILLISECONDS.toNanos(40));
    Rollout.Judgement judgement = rollout.evaluate().orElseThrow();
    assertThat(judgement.verdict()).isEqualTo(Rollout.Verdict.ROLLBACK);
    assertThat(judgement.reason())
        .matches("canary p99 latency (39\\.[89]|40\\.[01])[0-9]* ms is above 7\\.99[0-9] ms .*");
  }

  @Test
  void toleratesLatencyWithinTheRatioAndSlack() {
    Rollout rollout = rollout(50, 0, 10);
    feed(rollout, BASELINE, 500, 0, TimeUnit.MILLISECONDS.toNanos(10));
    feed(rollout, CANARY, 100, 0, TimeUnit.MILLISECONDS.toNanos(19));
    assertThat(rollout.evaluate())
        .get()
        .extracting(Rollout.Judgement::verdict)
        .isEqualTo(Rollout.Verdict.PROMOTE);
  }

  @Test
  void aStepLastsItsStepSeconds() {
    Rollout rollout = rollout(50, 30, 10, 50);
    feed(rollout, BASELINE, 500, 0, FAST);
    feed(rollout, CANARY, 100, 0, FAST);
    assertThat(rollout.evaluate()).isEmpty();
    clock.move(Duration.ofSeconds(30));
    assertThat(rollout.evaluate())
        .get()
        .extracting(Rollout.Judgement::verdict)
        .isEqualTo(Rollout.Verdict.ADVANCE);
  }

  @Test
  void advancingStartsFreshWindowsAndThePassOfTheLastStepPromotes() {
    Rollout rollout = rollout(50, 0, 10, 50);
    feed(rollout, BASELINE, 500, 0, FAST);
    feed(rollout, CANARY, 100, 0, FAST);
    rollout.advance(rollout.evaluate().orElseThrow().reason());
    assertThat(rollout.canaryShare()).isEqualTo(50);
    assertThat(rollout.status().canary().requests()).isZero();
    assertThat(rollout.evaluate()).isEmpty();
    feed(rollout, BASELINE, 100, 0, FAST);
    feed(rollout, CANARY, 100, 0, FAST);
    Rollout.Judgement judgement = rollout.evaluate().orElseThrow();
    assertThat(judgement.verdict()).isEqualTo(Rollout.Verdict.PROMOTE);
    assertThat(judgement.reason()).startsWith("canary passed step 2 (50%)");
    rollout.end(Rollout.Phase.PROMOTED, judgement.reason());
    assertThat(rollout.canaryShare()).isEqualTo(100);
    assertThat(rollout.evaluate()).isEmpty();
    assertThat(rollout.status().transitions())
        .extracting(Rollout.Transition::canaryPercent)
        .containsExactly(50, 100);
  }

  @Test
  void publishesItsPhaseShareAndLatencyAsMetersAndRemovesThemWhenClosed() {
    Rollout rollout = rollout(50, 0, 10);
    feed(rollout, CANARY, 10, 0, FAST);
    assertThat(meters.get("model_rollout_canary_percent").gauge().value()).isEqualTo(10);
    assertThat(meters.get("model_rollout_phase").tag("phase", "RUNNING").gauge().value())
        .isEqualTo(1);
    assertThat(meters.get("model_rollout_latency").tag("role", "canary").timer().count())
        .isEqualTo(10);
    rollout.close();
    assertThat(meters.getMeters()).isEmpty();
  }

  @Test
  void ignoresOtherVersions() {
    Rollout rollout = rollout(1, 0, 10);
    feed(rollout, 7, 100, 100, FAST);
    assertThat(rollout.status().canary().requests()).isZero();
    assertThat(rollout.status().baseline().requests()).isZero();
  }

  /** A clock tests move forward. */
  static final class MovableClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    synchronized void move(Duration by) {
      now = now.plus(by);
    }

    @Override
    public synchronized Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
