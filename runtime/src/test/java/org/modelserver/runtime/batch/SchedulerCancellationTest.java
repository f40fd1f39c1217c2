package org.modelserver.runtime.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.runtime.batch.SchedulerHarness.MICROS;
import static org.modelserver.runtime.batch.SchedulerHarness.batching;
import static org.modelserver.runtime.batch.SchedulerHarness.mixed;
import static org.modelserver.runtime.batch.SchedulerHarness.mixedConfig;
import static org.modelserver.runtime.batch.SchedulerHarness.refusal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.config.DynamicBatching;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.QueuePolicy;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.stats.ModelStatistics;
import org.modelserver.runtime.tensor.Tensor;

/**
 * A caller that gives up cancels its future: a queued request then leaves the queue and never runs,
 * the requests behind it are not held up, and an unset max_queue_size takes the default.
 */
class SchedulerCancellationTest {
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
  void aCancelledQueuedRequestNeverRunsAndTheOthersDo() {
    try (SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(1000)), mixedSession)) {
      CompletableFuture<Map<String, Tensor>> kept = h.submit(mixed(1, 1));
      CompletableFuture<Map<String, Tensor>> withdrawn = h.submit(mixed(2, 1));
      CompletableFuture<Map<String, Tensor>> last = h.submit(mixed(3, 1));

      assertThat(withdrawn.cancel(false)).isTrue();
      h.clock.advanceMicros(1000);
      h.executor.runAll();

      assertThat(kept).isCompleted();
      assertThat(last).isCompleted();
      // one batch of the two requests still queued: rows of requests 1 and 3 only
      assertThat(h.log.rows()).containsExactly(2);
      assertThat(h.stats.failures(org.modelserver.runtime.stats.FailureReason.CANCELED))
          .isEqualTo(1);
      assertThat(h.scheduler.pendingRequests()).isZero();
    }
  }

  @Test
  void withPreserveOrderingACancelledRequestDoesNotHoldBackTheOnesBehindIt() {
    DynamicBatching ordered =
        new DynamicBatching(List.of(), 1000, true, 0, 0, QueuePolicy.DEFAULT, Map.of());
    try (SchedulerHarness h = new SchedulerHarness(mixedConfig(8, ordered), mixedSession)) {
      CompletableFuture<Map<String, Tensor>> withdrawn = h.submit(mixed(1, 1));
      CompletableFuture<Map<String, Tensor>> behind = h.submit(mixed(2, 1));

      withdrawn.cancel(false);
      h.clock.advanceMicros(1000);
      h.executor.runAll();

      assertThat(behind).isCompletedWithValueMatching(outputs -> outputs.containsKey("scaled"));
      assertThat(h.log.rows()).containsExactly(1);
    }
  }

  @Test
  void cancellingARequestThatAlreadyRanChangesNothing() {
    try (SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(0)), mixedSession)) {
      CompletableFuture<Map<String, Tensor>> done = h.submit(mixed(1, 1));
      assertThat(done).isCompleted();
      assertThat(done.cancel(false)).isFalse();
      assertThat(h.stats.failures(org.modelserver.runtime.stats.FailureReason.CANCELED)).isZero();
    }
  }

  @Test
  void anUnsetMaxQueueSizeTakesTheServersDefault() {
    ModelConfig config = mixedConfig(8, batching(1000));
    assertThat(config.dynamicBatching().orElseThrow().defaultQueuePolicy().maxQueueSize())
        .isEqualTo(QueuePolicy.UNSET);
    FakeSchedulerClock clock = new FakeSchedulerClock();
    Scheduler scheduler =
        new Scheduler(
            config,
            List.of(new RecordingSession("instance", mixedSession, new RecordingSession.Log())),
            new ModelStatistics(config.name(), 1),
            clock,
            new ManualExecutor(),
            2);
    try {
      scheduler.submit(mixed(1, 1).inputs(), List.of("scaled"), 0, 0);
      scheduler.submit(mixed(2, 1).inputs(), List.of("scaled"), 0, 0);
      assertThat(scheduler.hasRoom()).isFalse();
      assertThat(scheduler.queueFull())
          .hasValueSatisfying(
              why -> assertThat(why).contains("2 requests waiting").contains("max_queue_size 2"));
      ServingException refused =
          refusal(() -> scheduler.submit(mixed(3, 1).inputs(), List.of("scaled"), 0, 0));
      assertThat(refused.kind()).isEqualTo(ErrorKind.CAPACITY_EXCEEDED);
      assertThat(refused).hasMessageContaining("max_queue_size 2");
      assertThat(refused.retryAfter()).isPresent();
    } finally {
      scheduler.close();
    }
  }

  @Test
  void anExplicitMaxQueueSizeOfZeroStaysUnbounded() {
    ModelConfig config =
        mixedConfig(
            8,
            batching(
                1000 * MICROS, new QueuePolicy(QueuePolicy.TimeoutAction.REJECT, 0, false, 0)));
    Scheduler scheduler =
        new Scheduler(
            config,
            List.of(new RecordingSession("instance", mixedSession, new RecordingSession.Log())),
            new ModelStatistics(config.name(), 1),
            new FakeSchedulerClock(),
            new ManualExecutor(),
            2);
    try {
      for (int i = 0; i < 10; i++) {
        scheduler.submit(mixed(i, 1).inputs(), List.of("scaled"), 0, 0);
      }
      assertThat(scheduler.hasRoom()).isTrue();
    } finally {
      scheduler.close();
    }
  }
}
