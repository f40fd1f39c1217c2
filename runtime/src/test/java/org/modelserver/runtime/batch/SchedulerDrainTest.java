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
import static org.modelserver.runtime.batch.SchedulerHarness.tokens;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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

/**
 * Draining for a hot swap: the scheduler stops admitting, executes everything it admitted without
 * waiting for the queue delay, and closes its instances only once nothing runs on them.
 */
class SchedulerDrainTest {
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

  private static void assertEachInstanceClosedOnce(SchedulerHarness h) {
    for (RecordingSession instance : h.instances) {
      assertThat(instance.closeCount()).as("closes of %s", instance.name()).isEqualTo(1);
    }
  }

  private static void assertNoInstanceClosed(SchedulerHarness h) {
    for (RecordingSession instance : h.instances) {
      assertThat(instance.closeCount()).as("closes of %s", instance.name()).isZero();
    }
  }

  /**
   * Runs {@code first} on the idle instance; while it executes, submits {@code queued} (which wait,
   * the instance being busy) and then runs {@code during}. Returns the futures, first one first.
   */
  private static List<CompletableFuture<Map<String, Tensor>>> submitWhileBusy(
      SchedulerHarness h, Request first, List<Request> queued, Runnable during) {
    List<CompletableFuture<Map<String, Tensor>>> futures = new ArrayList<>();
    h.instance()
        .onNextExecute(
            () -> {
              for (Request request : queued) {
                futures.add(h.submit(request));
              }
              during.run();
            });
    futures.add(0, h.submit(first));
    return futures;
  }

  // ---------------------------------------------------------------- what was admitted completes

  @Test
  void requestsQueuedBeforeTheDrainAllCompleteWithTheirOwnOutputs() {
    SchedulerHarness h = new SchedulerHarness(mixedConfig(4, batching(1000)), mixedSession);
    List<Request> requests =
        List.of(mixed(1, 4), mixed(2, 2), mixed(3, 1), mixed(4, 3), mixed(5, 1), mixed(6, 2));
    AtomicReference<CompletableFuture<Void>> drained = new AtomicReference<>();
    List<CompletableFuture<Map<String, Tensor>>> futures =
        submitWhileBusy(
            h, requests.get(0), requests.subList(1, 6), () -> drained.set(h.scheduler.drain()));

    h.executor.runAll();

    assertThat(h.log.rows())
        .as("batches still bounded by max_batch_size 4; the last one does not wait")
        .containsExactly(4, 3, 4, 2);
    for (int i = 0; i < requests.size(); i++) {
      assertMixedOutputs(requests.get(i), futures.get(i).join());
    }
    assertThat(drained.get()).isCompleted();
    assertEachInstanceClosedOnce(h);
    assertThat(h.stats.success().count()).isEqualTo(6);
    assertThat(h.clock.nanoTime()).isEqualTo(FakeSchedulerClock.START);
  }

  @Test
  void aQueueDelayIsNotWaitedForOnceDraining() {
    SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(1_000_000)), mixedSession);
    Request a = mixed(1, 1);
    Request b = mixed(2, 2);
    CompletableFuture<Map<String, Tensor>> fa = h.submit(a);
    CompletableFuture<Map<String, Tensor>> fb = h.submit(b);
    assertThat(h.executor.pending()).as("waiting for the 1 s queue delay").isZero();

    CompletableFuture<Void> drained = h.scheduler.drain();

    assertThat(h.executor.pending()).as("sent at once, not on the caller's thread").isEqualTo(1);
    assertThat(h.log.count()).isZero();
    assertThat(drained).isNotDone();
    h.executor.runAll();
    assertThat(h.log.rows()).containsExactly(3);
    assertMixedOutputs(a, fa.join());
    assertMixedOutputs(b, fb.join());
    assertThat(drained).isCompleted();
    assertThat(h.clock.nanoTime()).isEqualTo(FakeSchedulerClock.START);
  }

  @Test
  void preferredBatchSizesStillShapeTheBatchesOfADrain() {
    SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(1000, 2)), mixedSession);
    List<Request> queued = List.of(mixed(2, 1), mixed(3, 1), mixed(4, 1), mixed(5, 1), mixed(6, 1));
    AtomicReference<CompletableFuture<Void>> drained = new AtomicReference<>();
    List<CompletableFuture<Map<String, Tensor>>> futures =
        submitWhileBusy(h, mixed(1, 2), queued, () -> drained.set(h.scheduler.drain()));

    h.executor.runAll();

    assertThat(h.log.rows()).containsExactly(2, 2, 2, 1);
    assertThat(futures).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    assertThat(drained.get()).isCompleted();
  }

  @Test
  void queuePolicyTimeoutsStillRejectWhileDraining() throws InterruptedException {
    QueuePolicy timeout = new QueuePolicy(TimeoutAction.REJECT, 500, false, 0);
    SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(0, timeout)), mixedSession);
    h.instance().hold();
    AtomicReference<CompletableFuture<Map<String, Tensor>>> running = new AtomicReference<>();
    Request first = mixed(1, 1);
    h.executor.startOnThread(() -> running.set(h.submit(first)), "caller");
    h.log.awaitEntered(1);
    CompletableFuture<Map<String, Tensor>> waiting = h.submit(mixed(2, 1));
    CompletableFuture<Void> drained = h.scheduler.drain();

    h.clock.advanceMicros(500);

    ServingException failure = failureOf(waiting);
    assertThat(failure.kind()).isEqualTo(ErrorKind.CAPACITY_EXCEEDED);
    assertThat(failure).hasMessageContaining("timed out");
    assertThat(drained).isNotDone();
    h.instance().release();
    h.executor.joinAll();
    assertMixedOutputs(first, running.get().join());
    assertThat(drained).isCompleted();
    assertThat(h.log.count()).isEqualTo(1);
    assertThat(h.stats.failures(FailureReason.REJECTED)).isEqualTo(1);
  }

  // ---------------------------------------------------------------- admission

  @Test
  void submitAfterDrainIsRefusedWithARecognisableException() {
    SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(1000)), mixedSession);
    CompletableFuture<Map<String, Tensor>> admitted = h.submit(mixed(1, 1));
    assertThat(h.scheduler.isDraining()).isFalse();
    h.scheduler.drain();
    assertThat(h.scheduler.isDraining()).isTrue();

    assertThatThrownBy(() -> h.submit(mixed(2, 1)))
        .isInstanceOfSatisfying(
            SchedulerDrainingException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
              assertThat(e.model()).isEqualTo("mixed_io");
              assertThat(e.version()).isEqualTo(1);
              assertThat(e)
                  .hasMessage(
                      "model 'mixed_io' version 1 is being replaced or unloaded and accepts no"
                          + " new requests");
            });
    assertThat(h.stats.failures(FailureReason.REJECTED)).isZero();
    h.executor.runAll();
    assertThat(h.log.count()).as("only the admitted request ran").isEqualTo(1);
    assertThat(admitted).isCompleted();
    assertThatThrownBy(() -> h.submit(mixed(3, 1)))
        .as("still refused once drained")
        .isInstanceOf(SchedulerDrainingException.class);
  }

  @Test
  void submitAfterCloseIsRefusedWithTheSameException() {
    SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(0)), mixedSession);
    h.close();
    assertThat(h.scheduler.isDraining()).isTrue();
    assertThatThrownBy(() -> h.submit(mixed(1, 1))).isInstanceOf(SchedulerDrainingException.class);
  }

  // ---------------------------------------------------------------- when the future completes

  @Test
  void drainCompletesOnlyAfterTheRunningBatchAndClosesTheSessionOnce() throws InterruptedException {
    SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(0)), mixedSession);
    h.instance().hold();
    AtomicReference<CompletableFuture<Map<String, Tensor>>> running = new AtomicReference<>();
    Request request = mixed(1, 2);
    h.executor.startOnThread(() -> running.set(h.submit(request)), "caller");
    h.log.awaitEntered(1);

    CompletableFuture<Void> drained = h.scheduler.drain();

    assertThat(drained).isNotDone();
    assertThat(h.instance().closeCount()).isZero();
    assertThat(h.scheduler.pendingRequests()).isEqualTo(1);
    h.instance().release();
    h.executor.joinAll();
    assertMixedOutputs(request, running.get().join());
    assertThat(drained).isCompleted();
    assertThat(h.scheduler.pendingRequests()).isZero();
    assertThat(h.scheduler.drain()).as("idempotent").isSameAs(drained);
    h.scheduler.close();
    assertThat(h.instance().closeCount()).isEqualTo(1);
  }

  @Test
  void drainOfAnIdleSchedulerCompletesAtOnce() {
    SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(1000)), mixedSession, 2);

    CompletableFuture<Void> drained = h.scheduler.drain();

    assertThat(drained).isCompleted();
    assertEachInstanceClosedOnce(h);
    assertThat(h.scheduler.pendingRequests()).isZero();
    assertThat(h.executor.pending()).isZero();
  }

  @Test
  void formedBatchesNotYetStartedCountAsPending() {
    SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(1000)), mixedSession);
    h.submit(mixed(1, 1));
    h.submit(mixed(2, 1));
    assertThat(h.scheduler.pendingRequests()).isEqualTo(2);

    CompletableFuture<Void> drained = h.scheduler.drain();

    assertThat(h.scheduler.pendingRequests()).isEqualTo(2);
    assertThat(drained).isNotDone();
    assertNoInstanceClosed(h);
    h.executor.runAll();
    assertThat(h.scheduler.pendingRequests()).isZero();
    assertThat(drained).isCompleted();
  }

  @Test
  void drainFromInsideARunningBatchWaitsForThatBatch() {
    SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(0)), mixedSession);
    List<Boolean> doneInside = new ArrayList<>();
    AtomicReference<CompletableFuture<Void>> drained = new AtomicReference<>();
    Request first = mixed(1, 1);
    Request queued = mixed(2, 2);
    List<CompletableFuture<Map<String, Tensor>>> futures =
        submitWhileBusy(
            h,
            first,
            List.of(queued),
            () -> {
              drained.set(h.scheduler.drain());
              doneInside.add(drained.get().isDone());
              doneInside.add(h.instance().isClosed());
            });

    assertThat(doneInside).containsExactly(false, false);
    assertMixedOutputs(first, futures.get(0).join());
    assertThat(drained.get()).as("the queued request still runs").isNotDone();
    h.executor.runAll();
    assertMixedOutputs(queued, futures.get(1).join());
    assertThat(drained.get()).isCompleted();
    assertEachInstanceClosedOnce(h);
  }

  @Test
  void drainFromACompletionCallbackOnTheBatchThread() {
    SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(1000)), mixedSession);
    AtomicReference<CompletableFuture<Void>> drained = new AtomicReference<>();
    List<Boolean> doneInCallback = new ArrayList<>();
    h.submit(mixed(1, 1))
        .whenComplete(
            (result, error) -> {
              drained.set(h.scheduler.drain());
              doneInCallback.add(drained.get().isDone());
            });
    h.clock.advanceMicros(1000);

    h.executor.runAll();

    assertThat(doneInCallback).as("its instance was still busy").containsExactly(false);
    assertThat(drained.get()).isCompleted();
    assertEachInstanceClosedOnce(h);
  }

  @Test
  void aSessionThatFailsToCloseFailsTheDrainButTheOthersStillClose() {
    SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(0)), mixedSession, 2);
    IllegalStateException failure = new IllegalStateException("native free failed");
    h.instance(0).failOnClose(failure);

    CompletableFuture<Void> drained = h.scheduler.drain();

    assertThat(drained).isCompletedExceptionally();
    assertThat(drained.handle((ok, error) -> error).join()).isSameAs(failure);
    assertEachInstanceClosedOnce(h);
  }

  // ---------------------------------------------------------------- drain and close together

  @Test
  void closeDuringADrainFailsWhatIsQueuedAndStillCompletesTheDrain() {
    SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(0)), mixedSession);
    AtomicReference<CompletableFuture<Void>> drained = new AtomicReference<>();
    List<Integer> closesInside = new ArrayList<>();
    Request first = mixed(1, 1);
    List<CompletableFuture<Map<String, Tensor>>> futures =
        submitWhileBusy(
            h,
            first,
            List.of(mixed(2, 1), mixed(3, 2)),
            () -> {
              drained.set(h.scheduler.drain());
              h.scheduler.close();
              closesInside.add(h.instance().closeCount());
            });

    assertThat(closesInside).as("not closed under the running batch").containsExactly(0);
    assertMixedOutputs(first, futures.get(0).join());
    for (CompletableFuture<Map<String, Tensor>> queued : futures.subList(1, 3)) {
      ServingException failure = failureOf(queued);
      assertThat(failure).isNotInstanceOf(SchedulerDrainingException.class);
      assertThat(failure.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
      assertThat(failure).hasMessageContaining("was unloaded");
    }
    assertThat(drained.get()).isCompleted();
    assertEachInstanceClosedOnce(h);
    assertThat(h.stats.failures(FailureReason.CANCELED)).isEqualTo(2);
    h.executor.runAll();
    assertThat(h.log.count()).isEqualTo(1);
  }

  @Test
  void drainAfterCloseCompletesOnceTheRunningBatchEnds() {
    SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(0)), mixedSession);
    AtomicReference<CompletableFuture<Void>> drained = new AtomicReference<>();
    List<Boolean> doneInside = new ArrayList<>();
    Request first = mixed(1, 1);
    List<CompletableFuture<Map<String, Tensor>>> futures =
        submitWhileBusy(
            h,
            first,
            List.of(),
            () -> {
              h.scheduler.close();
              drained.set(h.scheduler.drain());
              doneInside.add(drained.get().isDone());
            });

    assertThat(doneInside).containsExactly(false);
    assertMixedOutputs(first, futures.get(0).join());
    assertThat(drained.get()).isCompleted();
    assertEachInstanceClosedOnce(h);
  }

  @Test
  void drainAfterCloseOfAnIdleSchedulerIsAlreadyComplete() {
    SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching(0)), mixedSession, 2);
    h.close();
    assertThat(h.scheduler.drain()).isCompleted();
    assertEachInstanceClosedOnce(h);
  }

  // ---------------------------------------------------------------- ordering and several instances

  @Test
  void preserveOrderingStillHoldsBackALaterRequestWhileDraining() {
    SchedulerHarness h =
        new SchedulerHarness(
            tokenConfig(
                16,
                new DynamicBatching(List.of(), 1000, true, 0, 0, QueuePolicy.DEFAULT, Map.of())),
            tokenSession,
            2);
    List<String> completed = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Map<String, Tensor>> earlier = h.submit(tokens(1, 1, 5));
    CompletableFuture<Map<String, Tensor>> later = h.submit(tokens(2, 1, 2));
    earlier.whenComplete((result, error) -> completed.add("earlier"));
    later.whenComplete((result, error) -> completed.add("later"));
    CompletableFuture<Void> drained = h.scheduler.drain();
    Runnable earlierBatch = h.executor.take();
    Runnable laterBatch = h.executor.take();

    laterBatch.run();
    assertThat(later).as("held back behind the earlier request").isNotDone();
    assertThat(drained).isNotDone();
    earlierBatch.run();

    assertThat(completed).containsExactly("earlier", "later");
    assertSameAsAlone(tokenSession, tokens(1, 1, 5), Set.of("embedding"), earlier.join());
    assertSameAsAlone(tokenSession, tokens(2, 1, 2), Set.of("embedding"), later.join());
    assertThat(drained).isCompleted();
    assertEachInstanceClosedOnce(h);
  }

  @Test
  void withTwoBusyInstancesTheDrainWaitsForBoth() throws InterruptedException {
    SchedulerHarness h = new SchedulerHarness(tokenConfig(16, batching(1000)), tokenSession, 2);
    h.instances.forEach(RecordingSession::hold);
    List<Request> requests = List.of(tokens(1, 1, 2), tokens(2, 2, 3), tokens(3, 1, 5));
    List<CompletableFuture<Map<String, Tensor>>> futures =
        requests.stream().map(h::submit).toList();

    CompletableFuture<Void> drained = h.scheduler.drain();
    assertThat(h.executor.pending()).as("one batch per instance").isEqualTo(2);
    Thread first = h.executor.startOnThread(h.executor.take(), "batch-1");
    h.executor.startOnThread(h.executor.take(), "batch-2");
    h.log.awaitEntered(2);
    assertThat(h.scheduler.pendingRequests()).isEqualTo(3);

    // instance-1 finishes its batch, then runs the third; instance-2 is still busy.
    h.instance(0).release();
    first.join(30_000);
    assertThat(first.isAlive()).isFalse();
    assertThat(h.log.count()).isEqualTo(3);
    assertThat(h.scheduler.pendingRequests()).isEqualTo(1);
    assertThat(drained).isNotDone();
    assertNoInstanceClosed(h);

    h.instance(1).release();
    h.executor.joinAll();
    for (int i = 0; i < requests.size(); i++) {
      assertSameAsAlone(tokenSession, requests.get(i), Set.of("embedding"), futures.get(i).join());
    }
    assertThat(drained).isCompleted();
    assertEachInstanceClosedOnce(h);
    assertThat(h.log.maxActive()).isEqualTo(2);
    assertThat(h.executor.pending()).isZero();
  }
}
