package org.modelserver.runtime.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.modelserver.runtime.batch.SchedulerHarness.assertMixedOutputs;
import static org.modelserver.runtime.batch.SchedulerHarness.assertSameAsAlone;
import static org.modelserver.runtime.batch.SchedulerHarness.batching;
import static org.modelserver.runtime.batch.SchedulerHarness.failureOf;
import static org.modelserver.runtime.batch.SchedulerHarness.mixed;
import static org.modelserver.runtime.batch.SchedulerHarness.mixedConfig;
import static org.modelserver.runtime.batch.SchedulerHarness.tokenConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.batch.SchedulerHarness.Request;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.stats.FailureReason;
import org.modelserver.runtime.tensor.Tensor;

/** Engine errors inside batches, and closing the scheduler. */
class SchedulerFailureTest {
  private static EngineSession mixedSession;
  private static EngineSession tokenSession;

  @BeforeAll
  static void loadModels() {
    mixedSession = SchedulerHarness.load(SchedulerHarness.MIXED);
    tokenSession = SchedulerHarness.load(SchedulerHarness.TOKENS);
  }

  @AfterAll
  static void closeModels() {
    mixedSession.close();
    tokenSession.close();
  }

  @Test
  void invalidValueInOneRequestFailsOnlyThatRequestOfAMergedBatch() {
    try (SchedulerHarness h = new SchedulerHarness(tokenConfig(16, batching(1000)), tokenSession)) {
      Request good1 = SchedulerHarness.tokens(1, new long[][] {{1, 2, 3}});
      Request bad = SchedulerHarness.tokens(2, new long[][] {{4, 200, 6}});
      Request good2 = SchedulerHarness.tokens(3, new long[][] {{7, 8, 9}, {10, 11, 12}});
      CompletableFuture<Map<String, Tensor>> f1 = h.submit(good1);
      CompletableFuture<Map<String, Tensor>> fBad = h.submit(bad);
      CompletableFuture<Map<String, Tensor>> f2 = h.submit(good2);

      h.clock.advanceMicros(1000);
      h.executor.runAll();

      assertThat(h.log.rows())
          .as("the merged batch, then each request alone")
          .containsExactly(4, 1, 1, 2);
      ServingException failure = failureOf(fBad);
      assertThat(failure.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
      assertThat(failure).hasMessageContaining("the model rejected the input");
      assertSameAsAlone(tokenSession, good1, Set.of("embedding"), f1.join());
      assertSameAsAlone(tokenSession, good2, Set.of("embedding"), f2.join());
      assertThat(h.stats.failures(FailureReason.BACKEND)).isEqualTo(1);
      assertThat(h.stats.success().count()).isEqualTo(2);
      assertThat(h.stats.inferenceCount()).isEqualTo(3);
    }
  }

  @Test
  void invalidValueInARequestExecutedAloneIsNotRetried() {
    try (SchedulerHarness h = new SchedulerHarness(tokenConfig(16, batching(0)), tokenSession)) {
      CompletableFuture<Map<String, Tensor>> future =
          h.submit(SchedulerHarness.tokens(1, new long[][] {{200}}));
      assertThat(failureOf(future).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
      assertThat(h.log.count()).isEqualTo(1);
    }
  }

  @Test
  void engineFaultFailsEveryRequestOfTheBatchWithoutRetrying() {
    try (SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(1000)), mixedSession)) {
      h.instance().failNext(ServingException.internal("device on fire", null));
      CompletableFuture<Map<String, Tensor>> a = h.submit(mixed(1, 1));
      CompletableFuture<Map<String, Tensor>> b = h.submit(mixed(2, 2));
      h.clock.advanceMicros(1000);
      h.executor.runAll();

      assertThat(h.log.rows()).containsExactly(3);
      for (CompletableFuture<Map<String, Tensor>> future : List.of(a, b)) {
        ServingException failure = failureOf(future);
        assertThat(failure.kind()).isEqualTo(ErrorKind.INTERNAL);
        assertThat(failure).hasMessageContaining("device on fire");
      }
      assertThat(h.stats.failures(FailureReason.BACKEND)).isEqualTo(2);
    }
  }

  @Test
  void unexpectedExceptionFromTheEngineBecomesAnInternalError() {
    try (SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(0)), mixedSession)) {
      h.instance().failNext(new IllegalStateException("kaput"));
      ServingException failure = failureOf(h.submit(mixed(1, 1)));
      assertThat(failure.kind()).isEqualTo(ErrorKind.INTERNAL);
      assertThat(failure).hasMessageContaining("kaput");
    }
  }

  @Test
  void instanceKeepsServingAfterAFailedBatch() {
    try (SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(0)), mixedSession)) {
      h.instance().failNext(new IllegalStateException("once"));
      assertThat(h.submit(mixed(1, 1))).isCompletedExceptionally();
      Request next = mixed(2, 2);
      assertMixedOutputs(next, h.submit(next).join());
    }
  }

  @Test
  void closeFailsQueuedRequestsWithUnavailable() {
    SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(1000)), mixedSession);
    CompletableFuture<Map<String, Tensor>> a = h.submit(mixed(1, 1));
    CompletableFuture<Map<String, Tensor>> b = h.submit(mixed(2, 1));

    h.close();

    for (CompletableFuture<Map<String, Tensor>> future : List.of(a, b)) {
      assertThat(failureOf(future).kind()).isEqualTo(ErrorKind.UNAVAILABLE);
    }
    assertThat(h.stats.pendingRequests()).isZero();
    assertThat(h.stats.failures(FailureReason.CANCELED)).isEqualTo(2);
    assertThat(h.instance().isClosed()).isTrue();
    h.clock.advanceMicros(2000);
    h.executor.runAll();
    assertThat(h.log.count()).isZero();
  }

  @Test
  void closeLetsTheRunningBatchFinishAndFailsOnlyWhatWaits() {
    try (SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(0)), mixedSession)) {
      List<CompletableFuture<Map<String, Tensor>>> queued = new ArrayList<>();
      h.instance()
          .onNextExecute(
              () -> {
                queued.add(h.submit(mixed(2, 1)));
                h.scheduler.close();
              });
      Request running = mixed(1, 1);
      CompletableFuture<Map<String, Tensor>> first = h.submit(running);

      assertMixedOutputs(running, first.join());
      assertThat(failureOf(queued.get(0)).kind()).isEqualTo(ErrorKind.UNAVAILABLE);
      h.executor.runAll();
      assertThat(h.log.count()).isEqualTo(1);
    }
  }

  @Test
  void aRunningInstanceIsClosedOnlyAfterItsBatchCompletes() {
    try (SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(0)), mixedSession)) {
      List<Boolean> closedWhileRunning = new ArrayList<>();
      h.instance()
          .onNextExecute(
              () -> {
                h.scheduler.close();
                closedWhileRunning.add(h.instance().isClosed());
              });
      Request running = mixed(1, 1);
      CompletableFuture<Map<String, Tensor>> first = h.submit(running);

      assertMixedOutputs(running, first.join());
      assertThat(closedWhileRunning).containsExactly(false);
      assertThat(h.instance().isClosed()).isTrue();
    }
  }

  @Test
  void submitAfterCloseIsRefusedWithUnavailable() {
    SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(0)), mixedSession);
    h.close();
    assertThatThrownBy(() -> h.submit(mixed(1, 1)))
        .isInstanceOfSatisfying(
            ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE));
    assertThat(h.log.count()).isZero();
  }

  @Test
  void closingTwiceIsHarmless() {
    SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(1000)), mixedSession);
    CompletableFuture<Map<String, Tensor>> a = h.submit(mixed(1, 1));
    h.close();
    h.close();
    assertThat(h.stats.failures(FailureReason.CANCELED)).isEqualTo(1);
    assertThat(failureOf(a).kind()).isEqualTo(ErrorKind.UNAVAILABLE);
  }
}
