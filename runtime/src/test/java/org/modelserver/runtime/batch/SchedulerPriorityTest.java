package org.modelserver.runtime.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.modelserver.runtime.batch.SchedulerHarness.assertMixedOutputs;
import static org.modelserver.runtime.batch.SchedulerHarness.batching;
import static org.modelserver.runtime.batch.SchedulerHarness.mixed;
import static org.modelserver.runtime.batch.SchedulerHarness.mixedConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.modelserver.runtime.batch.SchedulerHarness.Request;
import org.modelserver.runtime.config.DynamicBatching;
import org.modelserver.runtime.config.QueuePolicy;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.Tensor;

/** Priority levels: which queued requests a batch takes first. */
class SchedulerPriorityTest {
  private static EngineSession mixedSession;

  @BeforeAll
  static void loadModel() {
    mixedSession = SchedulerHarness.load(SchedulerHarness.MIXED);
  }

  @AfterAll
  static void closeModel() {
    mixedSession.close();
  }

  private static DynamicBatching priorities(int levels, int defaultLevel) {
    return new DynamicBatching(
        List.of(), 0, false, levels, defaultLevel, QueuePolicy.DEFAULT, Map.of());
  }

  private static List<List<Integer>> batches(SchedulerHarness h) {
    return h.log.executions().stream().map(SchedulerHarness::requestTags).toList();
  }

  @Test
  void laterHigherPriorityRequestIsBatchedBeforeEarlierLowerPriorityOnes() {
    try (SchedulerHarness h =
        new SchedulerHarness(mixedConfig(2, priorities(2, 2)), mixedSession)) {
      List<Request> requests = new ArrayList<>();
      List<CompletableFuture<Map<String, Tensor>>> futures = new ArrayList<>();
      h.instance()
          .onNextExecute(
              () -> {
                for (int[] tagAndPriority : new int[][] {{2, 2}, {3, 2}, {4, 1}}) {
                  Request request = mixed(tagAndPriority[0], 1);
                  requests.add(request);
                  futures.add(h.submit(request, tagAndPriority[1]));
                }
              });
      h.submit(mixed(1, 1), 1);
      h.executor.runAll();

      assertThat(batches(h)).containsExactly(List.of(1), List.of(4, 2), List.of(3));
      for (int i = 0; i < requests.size(); i++) {
        assertMixedOutputs(requests.get(i), futures.get(i).join());
      }
    }
  }

  @Test
  void requestsOfOneLevelKeepTheirArrivalOrder() {
    try (SchedulerHarness h =
        new SchedulerHarness(mixedConfig(2, priorities(3, 3)), mixedSession)) {
      h.instance()
          .onNextExecute(
              () -> {
                h.submit(mixed(2, 2), 3);
                h.submit(mixed(3, 2), 2);
                h.submit(mixed(4, 2), 3);
                h.submit(mixed(5, 2), 2);
                h.submit(mixed(6, 2), 1);
              });
      h.submit(mixed(1, 2), 1);
      h.executor.runAll();

      assertThat(batches(h))
          .containsExactly(List.of(1), List.of(6), List.of(3), List.of(5), List.of(2), List.of(4));
    }
  }

  @Test
  void fullBatchLeavesAtOnceEvenIfAHigherPriorityRequestFollows() {
    DynamicBatching batching =
        new DynamicBatching(List.of(), 1000, false, 2, 2, QueuePolicy.DEFAULT, Map.of());
    try (SchedulerHarness h = new SchedulerHarness(mixedConfig(2, batching), mixedSession)) {
      h.submit(mixed(1, 1), 2);
      h.submit(mixed(2, 1), 2);
      h.submit(mixed(3, 1), 1);
      assertThat(h.log.count()).as("the first two filled max_batch_size 2").isEqualTo(1);
      h.clock.advanceMicros(1000);
      h.executor.runAll();

      assertThat(batches(h)).containsExactly(List.of(1, 2), List.of(3));
    }
  }

  @Test
  void batchIsSentWhenItsOldestRequestHasWaitedTheDelayWhateverItsPriority() {
    DynamicBatching batching =
        new DynamicBatching(List.of(), 1000, false, 2, 2, QueuePolicy.DEFAULT, Map.of());
    try (SchedulerHarness h = new SchedulerHarness(mixedConfig(8, batching), mixedSession)) {
      CompletableFuture<Map<String, Tensor>> older = h.submit(mixed(1, 1), 2);
      h.clock.advanceMicros(900);
      CompletableFuture<Map<String, Tensor>> urgent = h.submit(mixed(2, 1), 1);

      h.clock.advanceMicros(100);
      h.executor.runAll();

      // The level-2 request has waited the whole 1000 us delay on an idle instance.
      assertThat(older).as("the request that waited max_queue_delay").isDone();
      assertThat(urgent).isDone();
      assertThat(batches(h)).containsExactly(List.of(2, 1));
    }
  }

  @ParameterizedTest(name = "default_priority_level {0}")
  @CsvSource({"1, '1,2,4,3'", "2, '1,4,2,3'"})
  void requestWithoutPriorityGoesToTheDefaultLevel(int defaultLevel, String expectedOrder) {
    try (SchedulerHarness h =
        new SchedulerHarness(mixedConfig(2, priorities(2, defaultLevel)), mixedSession)) {
      h.instance()
          .onNextExecute(
              () -> {
                h.submit(mixed(2, 2), 0);
                h.submit(mixed(3, 2), 2);
                h.submit(mixed(4, 2), 1);
              });
      h.submit(mixed(1, 2), 1);
      h.executor.runAll();

      List<Integer> order = batches(h).stream().map(tags -> tags.get(0)).toList();
      assertThat(order)
          .containsExactlyElementsOf(
              java.util.Arrays.stream(expectedOrder.split(",")).map(Integer::valueOf).toList());
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {3, 4, Long.MAX_VALUE})
  void priorityAboveTheLevelsIsRejectedByTheSubmitCall(long priority) {
    try (SchedulerHarness h =
        new SchedulerHarness(mixedConfig(8, priorities(2, 1)), mixedSession)) {
      assertThatThrownBy(() -> h.submit(mixed(1, 1), priority))
          .isInstanceOfSatisfying(
              ServingException.class,
              e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
          .hasMessageContaining("priority")
          .hasMessageContaining("1..2");
      assertThat(h.log.count()).isZero();
      assertThat(h.stats.pendingRequests()).isZero();
    }
  }

  @Test
  void negativePriorityIsRejectedByTheSubmitCall() {
    try (SchedulerHarness h =
        new SchedulerHarness(mixedConfig(8, priorities(2, 1)), mixedSession)) {
      assertThatThrownBy(() -> h.submit(mixed(1, 1), -1))
          .isInstanceOfSatisfying(
              ServingException.class,
              e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
    }
  }

  @Test
  void highestDeclaredLevelIsAccepted() {
    try (SchedulerHarness h =
        new SchedulerHarness(mixedConfig(8, priorities(2, 1)), mixedSession)) {
      Request a = mixed(1, 1);
      assertMixedOutputs(a, h.submit(a, 2).join());
    }
  }

  @Test
  void withoutPriorityLevelsAnyPriorityIsAcceptedAndIgnored() {
    try (SchedulerHarness h = new SchedulerHarness(mixedConfig(2, batching(0)), mixedSession)) {
      h.instance()
          .onNextExecute(
              () -> {
                h.submit(mixed(2, 2), 9);
                h.submit(mixed(3, 2), 1);
              });
      h.submit(mixed(1, 2), 5);
      h.executor.runAll();

      assertThat(batches(h)).containsExactly(List.of(1), List.of(2), List.of(3));
    }
  }
}
