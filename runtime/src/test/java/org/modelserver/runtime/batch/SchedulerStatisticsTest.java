package org.modelserver.runtime.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.runtime.batch.SchedulerHarness.MICROS;
import static org.modelserver.runtime.batch.SchedulerHarness.batching;
import static org.modelserver.runtime.batch.SchedulerHarness.mixed;
import static org.modelserver.runtime.batch.SchedulerHarness.mixedConfig;
import static org.modelserver.runtime.batch.SchedulerHarness.refusal;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.config.QueuePolicy;
import org.modelserver.runtime.config.QueuePolicy.TimeoutAction;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.stats.FailureReason;

/** What the scheduler records in {@link org.modelserver.runtime.stats.ModelStatistics}. */
class SchedulerStatisticsTest {
  private static EngineSession mixedSession;

  @BeforeAll
  static void loadModel() {
    mixedSession = SchedulerHarness.load(SchedulerHarness.MIXED);
  }

  @AfterAll
  static void closeModel() {
    mixedSession.close();
  }

  @Test
  void executionAndInferenceCountsAndBatchStatsReflectWhatRan() {
    try (SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(1000)), mixedSession)) {
      h.submit(mixed(1, 1));
      h.submit(mixed(2, 2));
      h.submit(mixed(3, 1));
      h.clock.advanceMicros(1000);
      h.executor.runAll();
      h.submit(mixed(4, 2));
      h.clock.advanceMicros(1000);
      h.executor.runAll();

      assertThat(h.log.rows()).containsExactly(4, 2);
      assertThat(h.stats.executionCount()).isEqualTo(2);
      assertThat(h.stats.inferenceCount()).isEqualTo(6);
      assertThat(h.stats.batchStats()).containsOnlyKeys(2, 4);
      assertThat(h.stats.batchStats().get(4).computeInfer().count()).isEqualTo(1);
      assertThat(h.stats.batchStats().get(2).computeInfer().count()).isEqualTo(1);
      assertThat(h.stats.success().count()).isEqualTo(4);
      assertThat(h.stats.queue().count()).isEqualTo(4);
      assertThat(h.stats.computeInfer().count()).isEqualTo(4);
      assertThat(h.stats.fail().count()).isZero();
      assertThat(h.stats.pendingRequests()).isZero();
      assertThat(h.stats.lastInferenceMillis()).isPositive();
    }
  }

  @Test
  void queueTimeIsHowLongEachRequestWaitedOnTheSchedulersClock() {
    try (SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(1000)), mixedSession)) {
      h.submit(mixed(1, 1));
      h.clock.advanceMicros(600);
      h.submit(mixed(2, 1));
      h.clock.advanceMicros(400);
      h.executor.runAll();

      // The fake clock stands still while the batch executes, so these are exact.
      assertThat(h.stats.queue().count()).isEqualTo(2);
      assertThat(h.stats.queue().ns()).isEqualTo((1000 + 400) * MICROS);
      assertThat(h.stats.success().ns()).isEqualTo((1000 + 400) * MICROS);
      assertThat(h.stats.computeInfer().ns()).isZero();
    }
  }

  @Test
  void pendingRequestsCountWhatWaitsInTheQueue() {
    try (SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(1000)), mixedSession)) {
      h.submit(mixed(1, 1));
      h.submit(mixed(2, 1));
      assertThat(h.stats.pendingRequests()).isEqualTo(2);
      h.clock.advanceMicros(1000);
      assertThat(h.stats.pendingRequests()).as("dispatched, no longer queued").isZero();
      h.executor.runAll();
      assertThat(h.stats.pendingRequests()).isZero();
    }
  }

  @Test
  void withoutBatchingEveryRequestIsItsOwnExecution() {
    try (SchedulerHarness h = new SchedulerHarness(mixedConfig(8).build(), mixedSession)) {
      for (int tag = 1; tag <= 3; tag++) {
        h.submit(mixed(tag, 2)).join();
      }
      assertThat(h.stats.executionCount()).isEqualTo(3);
      assertThat(h.stats.inferenceCount()).isEqualTo(6);
      assertThat(h.stats.batchStats()).containsOnlyKeys(2);
    }
  }

  @Test
  void queueRejectionsAreCountedAsRejectedFailuresAndNotAsExecutions() {
    try (SchedulerHarness h =
        new SchedulerHarness(
            mixedConfig(8, batching(1000, new QueuePolicy(TimeoutAction.REJECT, 100, false, 1))),
            mixedSession)) {
      h.submit(mixed(1, 1));
      refusal(() -> h.submit(mixed(2, 1)));
      h.clock.advanceMicros(100);
      h.executor.runAll();

      assertThat(h.stats.failures(FailureReason.REJECTED)).isEqualTo(2);
      assertThat(h.stats.fail().count()).isEqualTo(2);
      assertThat(h.stats.executionCount()).isZero();
      assertThat(h.stats.success().count()).isZero();
      assertThat(h.stats.pendingRequests()).isZero();
    }
  }
}
