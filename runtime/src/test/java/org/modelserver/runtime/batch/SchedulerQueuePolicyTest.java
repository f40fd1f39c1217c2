package org.modelserver.runtime.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.runtime.batch.SchedulerHarness.MICROS;
import static org.modelserver.runtime.batch.SchedulerHarness.assertMixedOutputs;
import static org.modelserver.runtime.batch.SchedulerHarness.batching;
import static org.modelserver.runtime.batch.SchedulerHarness.failureOf;
import static org.modelserver.runtime.batch.SchedulerHarness.mixed;
import static org.modelserver.runtime.batch.SchedulerHarness.mixedConfig;
import static org.modelserver.runtime.batch.SchedulerHarness.refusal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.batch.SchedulerHarness.Request;
import org.modelserver.runtime.config.DynamicBatching;
import org.modelserver.runtime.config.QueuePolicy;
import org.modelserver.runtime.config.QueuePolicy.TimeoutAction;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.stats.FailureReason;
import org.modelserver.runtime.tensor.Tensor;

/** Queue policies: max_queue_size, queue timeouts with REJECT and DELAY, timeout overrides. */
class SchedulerQueuePolicyTest {
  private static EngineSession mixedSession;

  @BeforeAll
  static void loadModel() {
    mixedSession = SchedulerHarness.load(SchedulerHarness.MIXED);
  }

  @AfterAll
  static void closeModel() {
    mixedSession.close();
  }

  private static SchedulerHarness harness(int maxBatch, long delayMicros, QueuePolicy policy) {
    return new SchedulerHarness(mixedConfig(maxBatch, batching(delayMicros, policy)), mixedSession);
  }

  @Nested
  class MaxQueueSize {
    @Test
    void fullQueueRefusesTheRequestWithCapacityExceededNamingMaxQueueSize() {
      try (SchedulerHarness h =
          harness(8, 1000, new QueuePolicy(TimeoutAction.REJECT, 0, false, 2))) {
        CompletableFuture<Map<String, Tensor>> a = h.submit(mixed(1, 1));
        CompletableFuture<Map<String, Tensor>> b = h.submit(mixed(2, 1));

        ServingException refused = refusal(() -> h.submit(mixed(3, 1)));

        assertThat(refused.kind()).isEqualTo(ErrorKind.CAPACITY_EXCEEDED);
        assertThat(refused).hasMessageContaining("max_queue_size 2");
        assertThat(h.stats.failures(FailureReason.REJECTED)).isEqualTo(1);
        h.clock.advanceMicros(1000);
        h.executor.runAll();
        assertThat(h.log.executions()).hasSize(1);
        assertThat(SchedulerHarness.requestTags(h.log.executions().get(0))).containsExactly(1, 2);
        assertThat(List.of(a, b)).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
      }
    }

    @Test
    void queueAcceptsRequestsAgainOnceItsBatchHasLeft() {
      try (SchedulerHarness h =
          harness(8, 1000, new QueuePolicy(TimeoutAction.REJECT, 0, false, 1))) {
        h.submit(mixed(1, 1));
        assertThat(refusal(() -> h.submit(mixed(2, 1))).kind())
            .isEqualTo(ErrorKind.CAPACITY_EXCEEDED);
        h.clock.advanceMicros(1000);
        h.executor.runAll();

        CompletableFuture<Map<String, Tensor>> later = h.submit(mixed(3, 1));
        assertThat(later).isNotCompletedExceptionally();
      }
    }

    @Test
    void unboundedWhenMaxQueueSizeIsZero() {
      try (SchedulerHarness h = harness(64, 1000, QueuePolicy.DEFAULT)) {
        for (int tag = 1; tag <= 50; tag++) {
          assertThat(h.submit(mixed(tag, 1))).isNotCompletedExceptionally();
        }
        assertThat(h.stats.pendingRequests()).isEqualTo(50);
      }
    }

    @Test
    void requestsKeptAfterADelayTimeoutStillCountTowardsMaxQueueSize() {
      try (SchedulerHarness h =
          harness(8, 1_000_000, new QueuePolicy(TimeoutAction.DELAY, 100, false, 1))) {
        CompletableFuture<Map<String, Tensor>> waiting = h.submit(mixed(1, 1));
        h.clock.advanceMicros(100);
        assertThat(waiting).as("DELAY keeps it queued").isNotDone();

        ServingException refused = refusal(() -> h.submit(mixed(2, 1)));

        assertThat(refused.kind()).isEqualTo(ErrorKind.CAPACITY_EXCEEDED);
      }
    }

    @Test
    void maxQueueSizeAppliesPerPriorityLevel() {
      DynamicBatching batching =
          new DynamicBatching(
              List.of(),
              1000,
              false,
              2,
              2,
              QueuePolicy.DEFAULT,
              Map.of(1, new QueuePolicy(TimeoutAction.REJECT, 0, false, 1)));
      try (SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching), mixedSession)) {
        h.submit(mixed(1, 1), 1);
        ServingException refused = refusal(() -> h.submit(mixed(2, 1), 1));
        assertThat(refused.kind()).isEqualTo(ErrorKind.CAPACITY_EXCEEDED);
        assertThat(refused).hasMessageContaining("max_queue_size 1");
        assertThat(refused).hasMessageContaining("priority 1");

        assertThat(h.submit(mixed(3, 1), 2)).isNotCompletedExceptionally();
        assertThat(h.submit(mixed(4, 1), 0)).isNotCompletedExceptionally();
        assertThat(h.stats.pendingRequests()).isEqualTo(3);
      }
    }
  }

  @Nested
  class Timeouts {
    @Test
    void queueTimeoutWithRejectFailsTheRequestWhenTheClockReachesItAndItNeverExecutes() {
      try (SchedulerHarness h =
          harness(8, 1000, new QueuePolicy(TimeoutAction.REJECT, 100, false, 0))) {
        CompletableFuture<Map<String, Tensor>> future = h.submit(mixed(1, 1));

        h.clock.advance(100 * MICROS - 1);
        assertThat(future).isNotDone();
        h.clock.advance(1);

        ServingException failure = failureOf(future);
        assertThat(failure.kind()).isEqualTo(ErrorKind.CAPACITY_EXCEEDED);
        assertThat(failure).hasMessageContaining("timed out");
        assertThat(failure).hasMessageContaining("timeout 100 ");
        h.clock.advanceMicros(10_000);
        h.executor.runAll();
        assertThat(h.log.count()).isZero();
        assertThat(h.stats.failures(FailureReason.REJECTED)).isEqualTo(1);
        assertThat(h.stats.pendingRequests()).isZero();
      }
    }

    @Test
    void queueTimeoutRejectsARequestWaitingBehindABusyInstanceAndLaterOnesStillRun() {
      try (SchedulerHarness h =
          harness(2, 0, new QueuePolicy(TimeoutAction.REJECT, 100, false, 0))) {
        List<CompletableFuture<Map<String, Tensor>>> queued = new ArrayList<>();
        Request late = mixed(3, 2);
        h.instance()
            .onNextExecute(
                () -> {
                  queued.add(h.submit(mixed(2, 2)));
                  h.clock.advanceMicros(100);
                  queued.add(h.submit(late));
                });
        h.submit(mixed(1, 2));
        h.executor.runAll();

        assertThat(failureOf(queued.get(0)).kind()).isEqualTo(ErrorKind.CAPACITY_EXCEEDED);
        assertMixedOutputs(late, queued.get(1).join());
        assertThat(h.log.executions().stream().map(SchedulerHarness::requestTags))
            .containsExactly(List.of(1), List.of(3));
      }
    }

    @Test
    void queueTimeoutWithDelayStillExecutesTheRequestAfterThoseThatHaveNotTimedOut() {
      try (SchedulerHarness h =
          harness(2, 0, new QueuePolicy(TimeoutAction.DELAY, 100, false, 0))) {
        Request timedOut = mixed(2, 2);
        Request onTime = mixed(3, 2);
        List<CompletableFuture<Map<String, Tensor>>> queued = new ArrayList<>();
        h.instance()
            .onNextExecute(
                () -> {
                  queued.add(h.submit(timedOut));
                  h.clock.advanceMicros(100);
                  queued.add(h.submit(onTime));
                });
        h.submit(mixed(1, 2));
        assertThat(queued).noneMatch(CompletableFuture::isDone);
        h.executor.runAll();

        assertThat(h.log.executions().stream().map(SchedulerHarness::requestTags))
            .containsExactly(List.of(1), List.of(3), List.of(2));
        assertMixedOutputs(timedOut, queued.get(0).join());
        assertMixedOutputs(onTime, queued.get(1).join());
        assertThat(h.stats.failures(FailureReason.REJECTED)).isZero();
      }
    }

    @Test
    void queueTimeoutWithDelayKeepsAWaitingRequestQueued() {
      try (SchedulerHarness h =
          harness(8, 1000, new QueuePolicy(TimeoutAction.DELAY, 100, false, 0))) {
        Request request = mixed(1, 1);
        CompletableFuture<Map<String, Tensor>> future = h.submit(request);
        h.clock.advanceMicros(100);
        assertThat(future).isNotDone();
        h.clock.advanceMicros(900);
        h.executor.runAll();
        assertMixedOutputs(request, future.join());
      }
    }

    @Test
    void requestTimeoutLowersTheDefaultWhenOverrideIsAllowed() {
      try (SchedulerHarness h =
          harness(8, 10_000, new QueuePolicy(TimeoutAction.REJECT, 1000, true, 0))) {
        CompletableFuture<Map<String, Tensor>> future = h.submit(mixed(1, 1), 0, 100);
        h.clock.advance(100 * MICROS - 1);
        assertThat(future).isNotDone();
        h.clock.advance(1);
        assertThat(failureOf(future).kind()).isEqualTo(ErrorKind.CAPACITY_EXCEEDED);
      }
    }

    @Test
    void requestTimeoutCannotRaiseTheDefault() {
      try (SchedulerHarness h =
          harness(8, 10_000, new QueuePolicy(TimeoutAction.REJECT, 1000, true, 0))) {
        CompletableFuture<Map<String, Tensor>> future = h.submit(mixed(1, 1), 0, 5000);
        h.clock.advance(1000 * MICROS - 1);
        assertThat(future).isNotDone();
        h.clock.advance(1);
        assertThat(failureOf(future)).hasMessageContaining("timeout 1000 ");
      }
    }

    @Test
    void requestTimeoutIsIgnoredWhenOverrideIsNotAllowed() {
      try (SchedulerHarness h =
          harness(8, 10_000, new QueuePolicy(TimeoutAction.REJECT, 1000, false, 0))) {
        CompletableFuture<Map<String, Tensor>> future = h.submit(mixed(1, 1), 0, 100);
        h.clock.advanceMicros(100);
        assertThat(future).isNotDone();
        h.clock.advance(900 * MICROS - 1);
        assertThat(future).isNotDone();
        h.clock.advance(1);
        assertThat(failureOf(future).kind()).isEqualTo(ErrorKind.CAPACITY_EXCEEDED);
      }
    }

    @Test
    void requestTimeoutAppliesWhenThereIsNoDefaultAndOverrideIsAllowed() {
      try (SchedulerHarness h =
          harness(8, 10_000, new QueuePolicy(TimeoutAction.REJECT, 0, true, 0))) {
        CompletableFuture<Map<String, Tensor>> future = h.submit(mixed(1, 1), 0, 300);
        h.clock.advance(300 * MICROS - 1);
        assertThat(future).isNotDone();
        h.clock.advance(1);
        assertThat(failureOf(future).kind()).isEqualTo(ErrorKind.CAPACITY_EXCEEDED);
      }
    }

    @Test
    void withoutAnyTimeoutARequestWaitsForItsBatchHoweverLong() {
      try (SchedulerHarness h = harness(8, 1_000_000, QueuePolicy.DEFAULT)) {
        Request request = mixed(1, 1);
        CompletableFuture<Map<String, Tensor>> future = h.submit(request, 0, 100);
        h.clock.advance(1_000_000 * MICROS - 1);
        assertThat(future).isNotDone();
        h.clock.advance(1);
        h.executor.runAll();
        assertMixedOutputs(request, future.join());
      }
    }

    @Test
    void hugeRequestTimeoutDoesNotRejectTheRequestAtOnce() {
      try (SchedulerHarness h = harness(8, 0, new QueuePolicy(TimeoutAction.REJECT, 0, true, 0))) {
        Request request = mixed(1, 1);
        CompletableFuture<Map<String, Tensor>> future =
            h.submit(request, 0, Long.MAX_VALUE / 1000 + 1);
        assertThat(future).isNotCompletedExceptionally();
        assertMixedOutputs(request, future.join());
      }
    }

    @Test
    void hugeDefaultTimeoutDoesNotRejectEveryRequestAtOnce() {
      try (SchedulerHarness h =
          harness(8, 0, new QueuePolicy(TimeoutAction.REJECT, Long.MAX_VALUE / 1000, false, 0))) {
        Request request = mixed(1, 1);
        CompletableFuture<Map<String, Tensor>> future = h.submit(request);
        assertThat(future).isNotCompletedExceptionally();
        assertMixedOutputs(request, future.join());
      }
    }
  }

  @Nested
  class TimeoutOverride {
    @Test
    void allowedOverrideLowersTheDefault() {
      QueuePolicy policy = new QueuePolicy(TimeoutAction.REJECT, 1000, true, 0);
      assertThat(policy.timeoutNanos(100)).isEqualTo(100 * MICROS);
    }

    @Test
    void allowedOverrideCannotRaiseTheDefault() {
      QueuePolicy policy = new QueuePolicy(TimeoutAction.REJECT, 1000, true, 0);
      assertThat(policy.timeoutNanos(5000)).isEqualTo(1000 * MICROS);
    }

    @Test
    void requestWithoutTimeoutKeepsTheDefault() {
      QueuePolicy policy = new QueuePolicy(TimeoutAction.REJECT, 1000, true, 0);
      assertThat(policy.timeoutNanos(0)).isEqualTo(1000 * MICROS);
    }

    @Test
    void allowedOverrideWithoutADefaultUsesTheRequestsTimeout() {
      QueuePolicy policy = new QueuePolicy(TimeoutAction.REJECT, 0, true, 0);
      assertThat(policy.timeoutNanos(250)).isEqualTo(250 * MICROS);
      assertThat(policy.timeoutNanos(0)).isZero();
    }

    @Test
    void disallowedOverrideIgnoresTheRequestsTimeout() {
      assertThat(new QueuePolicy(TimeoutAction.REJECT, 1000, false, 0).timeoutNanos(100))
          .isEqualTo(1000 * MICROS);
      assertThat(new QueuePolicy(TimeoutAction.REJECT, 0, false, 0).timeoutNanos(100)).isZero();
    }

    @Test
    void hugeTimeoutsSaturateInsteadOfOverflowing() {
      QueuePolicy policy = new QueuePolicy(TimeoutAction.REJECT, 0, true, 0);
      assertThat(policy.timeoutNanos(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    }
  }
}
