package org.modelserver.runtime.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.runtime.batch.SchedulerHarness.assertSameAsAlone;
import static org.modelserver.runtime.batch.SchedulerHarness.batching;
import static org.modelserver.runtime.batch.SchedulerHarness.tokenConfig;
import static org.modelserver.runtime.batch.SchedulerHarness.tokens;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.modelserver.runtime.batch.SchedulerHarness.Request;
import org.modelserver.runtime.config.DynamicBatching;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.QueuePolicy;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.tensor.Tensor;

/**
 * Several instances (instance_group count): how many batches run at once, and preserve_ordering
 * when a later batch finishes first. Requests of different sequence lengths make separate batches.
 */
class SchedulerInstancesTest {
  private static EngineSession tokenSession;

  @BeforeAll
  static void loadModel() {
    tokenSession = SchedulerHarness.load(SchedulerHarness.TOKENS);
  }

  @AfterAll
  static void closeModel() {
    tokenSession.close();
  }

  private static ModelConfig ordered(boolean preserveOrdering) {
    return tokenConfig(
        16,
        new DynamicBatching(
            List.of(), 1000, preserveOrdering, 0, 0, QueuePolicy.DEFAULT, Map.of()));
  }

  private static void recordCompletion(
      CompletableFuture<Map<String, Tensor>> future, String name, List<String> completed) {
    future.whenComplete((result, error) -> completed.add(name));
  }

  @ParameterizedTest(name = "{0} instance(s)")
  @ValueSource(ints = {1, 2, 3})
  void atMostOneBatchPerInstanceIsDispatchedAtOnce(int instances) {
    try (SchedulerHarness h =
        new SchedulerHarness(tokenConfig(16, batching(1000)), tokenSession, instances)) {
      List<Request> requests = new ArrayList<>();
      List<CompletableFuture<Map<String, Tensor>>> futures = new ArrayList<>();
      for (int seq = 2; seq <= 5; seq++) {
        Request request = tokens(seq, 1, seq);
        requests.add(request);
        futures.add(h.submit(request));
      }
      h.clock.advanceMicros(1000);

      assertThat(h.executor.pending()).isEqualTo(instances);
      assertThat(h.log.count()).isZero();
      h.executor.runAll();

      assertThat(h.log.count()).isEqualTo(4);
      for (int i = 0; i < requests.size(); i++) {
        assertSameAsAlone(
            tokenSession, requests.get(i), Set.of("embedding"), futures.get(i).join());
      }
    }
  }

  @Test
  void instancesExecuteBatchesConcurrentlyUpToTheirCount() throws InterruptedException {
    try (SchedulerHarness h =
        new SchedulerHarness(tokenConfig(16, batching(1000)), tokenSession, 2)) {
      h.instances.forEach(RecordingSession::hold);
      List<Request> requests = List.of(tokens(1, 1, 2), tokens(2, 2, 3), tokens(3, 1, 5));
      List<CompletableFuture<Map<String, Tensor>>> futures =
          requests.stream().map(h::submit).toList();
      h.clock.advanceMicros(1000);
      assertThat(h.executor.pending()).isEqualTo(2);

      h.executor.startOnThread(h.executor.take(), "batch-1");
      h.executor.startOnThread(h.executor.take(), "batch-2");
      h.log.awaitEntered(2);

      assertThat(h.log.active()).isEqualTo(2);
      assertThat(h.log.count()).as("the third batch waits for an instance").isEqualTo(2);
      assertThat(futures).noneMatch(CompletableFuture::isDone);

      h.instances.forEach(RecordingSession::release);
      h.executor.joinAll();
      h.executor.runAll();

      assertThat(h.log.count()).isEqualTo(3);
      assertThat(h.log.maxActive()).isEqualTo(2);
      assertThat(h.log.executions().stream().map(RecordingSession.Execution::instance))
          .containsOnly("instance-1", "instance-2");
      for (int i = 0; i < requests.size(); i++) {
        assertSameAsAlone(
            tokenSession, requests.get(i), Set.of("embedding"), futures.get(i).join());
      }
    }
  }

  @Test
  void oneInstanceNeverExecutesTwoBatchesAtOnce() throws InterruptedException {
    try (SchedulerHarness h = new SchedulerHarness(tokenConfig(16, batching(0)), tokenSession, 1)) {
      h.instance().hold();
      List<CompletableFuture<Map<String, Tensor>>> first = new ArrayList<>();
      h.executor.startOnThread(() -> first.add(h.submit(tokens(1, 1, 3))), "caller");
      h.log.awaitEntered(1);

      CompletableFuture<Map<String, Tensor>> second = h.submit(tokens(2, 1, 4));
      assertThat(second).isNotDone();
      assertThat(h.log.count()).isEqualTo(1);

      h.instance().release();
      h.executor.joinAll();
      assertThat(first).singleElement().satisfies(f -> assertThat(f).isDone());
      assertThat(h.executor.pending()).as("the freed instance's next batch").isEqualTo(1);
      h.executor.runAll();

      assertThat(second).isDone();
      assertThat(h.log.count()).isEqualTo(2);
      assertThat(h.log.maxActive()).isEqualTo(1);
    }
  }

  @Test
  void preserveOrderingCompletesFuturesInArrivalOrderWhenTheLaterBatchFinishesFirst() {
    try (SchedulerHarness h = new SchedulerHarness(ordered(true), tokenSession, 2)) {
      List<String> completed = Collections.synchronizedList(new ArrayList<>());
      CompletableFuture<Map<String, Tensor>> earlier = h.submit(tokens(1, 1, 5));
      CompletableFuture<Map<String, Tensor>> later = h.submit(tokens(2, 1, 2));
      recordCompletion(earlier, "earlier", completed);
      recordCompletion(later, "later", completed);
      h.clock.advanceMicros(1000);
      Runnable earlierBatch = h.executor.take();
      Runnable laterBatch = h.executor.take();

      laterBatch.run();
      assertThat(h.log.executions())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.instance()).isEqualTo("instance-2");
                assertThat(e.shape("token_ids")).containsExactly(1, 2);
              });
      assertThat(later).as("held back behind the earlier request").isNotDone();

      earlierBatch.run();
      assertThat(completed).containsExactly("earlier", "later");
      assertSameAsAlone(tokenSession, tokens(2, 1, 2), Set.of("embedding"), later.join());
    }
  }

  @Test
  void preserveOrderingHoldsAFinishedLaterBatchWhileTheEarlierOneRunsOnAnotherThread()
      throws InterruptedException {
    try (SchedulerHarness h = new SchedulerHarness(ordered(true), tokenSession, 2)) {
      List<String> completed = Collections.synchronizedList(new ArrayList<>());
      CompletableFuture<Map<String, Tensor>> earlier = h.submit(tokens(1, 2, 5));
      CompletableFuture<Map<String, Tensor>> later = h.submit(tokens(2, 1, 2));
      recordCompletion(earlier, "earlier", completed);
      recordCompletion(later, "later", completed);
      h.clock.advanceMicros(1000);
      h.instance(0).hold();

      h.executor.startOnThread(h.executor.take(), "earlier-batch");
      h.log.awaitEntered(1);
      h.executor.runNext();

      assertThat(h.log.count()).isEqualTo(2);
      assertThat(later).isNotDone();
      assertThat(earlier).isNotDone();

      h.instance(0).release();
      h.executor.joinAll();
      assertThat(completed).containsExactly("earlier", "later");
      assertThat(earlier).isCompleted();
      assertThat(later).isCompleted();
    }
  }

  @Test
  void preserveOrderingAlsoHoldsBackAFailureBehindAnEarlierRequest() {
    try (SchedulerHarness h = new SchedulerHarness(ordered(true), tokenSession, 2)) {
      List<String> completed = Collections.synchronizedList(new ArrayList<>());
      CompletableFuture<Map<String, Tensor>> earlier = h.submit(tokens(1, 1, 5));
      CompletableFuture<Map<String, Tensor>> later = h.submit(tokens(2, 1, 2));
      recordCompletion(earlier, "earlier", completed);
      recordCompletion(later, "later", completed);
      h.clock.advanceMicros(1000);
      h.instance(1).failNext(new IllegalStateException("instance 2 broke"));
      Runnable earlierBatch = h.executor.take();
      Runnable laterBatch = h.executor.take();

      laterBatch.run();
      assertThat(later).isNotDone();
      earlierBatch.run();

      assertThat(completed).containsExactly("earlier", "later");
      assertThat(earlier).isCompleted();
      assertThat(later).isCompletedExceptionally();
    }
  }

  @Test
  void withoutPreserveOrderingAFasterLaterBatchCompletesFirst() {
    try (SchedulerHarness h = new SchedulerHarness(ordered(false), tokenSession, 2)) {
      List<String> completed = Collections.synchronizedList(new ArrayList<>());
      CompletableFuture<Map<String, Tensor>> earlier = h.submit(tokens(1, 1, 5));
      CompletableFuture<Map<String, Tensor>> later = h.submit(tokens(2, 1, 2));
      recordCompletion(earlier, "earlier", completed);
      recordCompletion(later, "later", completed);
      h.clock.advanceMicros(1000);
      Runnable earlierBatch = h.executor.take();
      Runnable laterBatch = h.executor.take();

      laterBatch.run();
      assertThat(later).isDone();
      earlierBatch.run();

      assertThat(completed).containsExactly("later", "earlier");
    }
  }

  @Test
  void primaryInstanceAndInstanceCountDescribeThePool() {
    try (SchedulerHarness h = new SchedulerHarness(tokenConfig(16, batching(0)), tokenSession, 3)) {
      assertThat(h.scheduler.instanceCount()).isEqualTo(3);
      assertThat(h.scheduler.primaryInstance()).isSameAs(h.instance(0));
    }
  }
}
