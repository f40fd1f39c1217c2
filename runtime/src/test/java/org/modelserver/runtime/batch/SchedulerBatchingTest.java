package org.modelserver.runtime.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.runtime.batch.SchedulerHarness.MICROS;
import static org.modelserver.runtime.batch.SchedulerHarness.assertMixedOutputs;
import static org.modelserver.runtime.batch.SchedulerHarness.assertSameAsAlone;
import static org.modelserver.runtime.batch.SchedulerHarness.batching;
import static org.modelserver.runtime.batch.SchedulerHarness.mixed;
import static org.modelserver.runtime.batch.SchedulerHarness.mixedConfig;
import static org.modelserver.runtime.batch.SchedulerHarness.requestTags;
import static org.modelserver.runtime.batch.SchedulerHarness.rowTags;
import static org.modelserver.runtime.batch.SchedulerHarness.tokenConfig;
import static org.modelserver.runtime.batch.SchedulerHarness.tokens;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.batch.SchedulerHarness.Request;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.device.Device;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.LoadSpec;
import org.modelserver.runtime.engine.onnx.OnnxEngine;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.runtime.tensor.Tensors;
import org.modelserver.runtime.testsupport.ReferenceCase;
import org.modelserver.runtime.testsupport.TensorAssertions;
import org.modelserver.runtime.testsupport.TestRepos;
import org.modelserver.runtime.testsupport.TinyOnnx;

/** When the scheduler sends a batch, and what goes into it. */
class SchedulerBatchingTest {
  private static final long LONG_DELAY_MICROS = 1_000_000;

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

  private static SchedulerHarness mixedHarness(ModelConfig config) {
    return new SchedulerHarness(config, mixedSession);
  }

  @Nested
  class BatchingOff {
    @Test
    void withoutDynamicBatchingEachRequestExecutesAloneAtOnce() {
      try (SchedulerHarness h = mixedHarness(mixedConfig(8).build())) {
        Request a = mixed(1, 1);
        Request b = mixed(2, 3);
        CompletableFuture<Map<String, Tensor>> first = h.submit(a);
        assertThat(first).isDone();
        CompletableFuture<Map<String, Tensor>> second = h.submit(b);
        assertThat(second).isDone();
        assertThat(h.log.rows()).containsExactly(1, 3);
        assertMixedOutputs(a, first.join());
        assertMixedOutputs(b, second.join());
        assertThat(h.executor.submitted()).isZero();
      }
    }

    @Test
    void withoutDynamicBatchingRequestsQueuedBehindABusyInstanceStillExecuteOneByOne() {
      try (SchedulerHarness h = mixedHarness(mixedConfig(8).build())) {
        Request a = mixed(1, 1);
        List<Request> queued = List.of(mixed(2, 2), mixed(3, 1), mixed(4, 3));
        List<CompletableFuture<Map<String, Tensor>>> futures = new java.util.ArrayList<>();
        h.instance().onNextExecute(() -> queued.forEach(r -> futures.add(h.submit(r))));
        CompletableFuture<Map<String, Tensor>> first = h.submit(a);

        assertThat(futures).noneMatch(CompletableFuture::isDone);
        h.executor.runAll();

        assertThat(h.log.rows()).containsExactly(1, 2, 1, 3);
        assertThat(h.log.executions().stream().map(SchedulerHarness::requestTags))
            .containsExactly(List.of(1), List.of(2), List.of(3), List.of(4));
        assertMixedOutputs(a, first.join());
        for (int i = 0; i < queued.size(); i++) {
          assertMixedOutputs(queued.get(i), futures.get(i).join());
        }
      }
    }

    @Test
    void maxBatchSizeZeroExecutesEachRequestAloneAndIgnoresTheQueueDelay() {
      ModelConfig config = mixedConfig(0).dynamicBatching(batching(LONG_DELAY_MICROS)).build();
      try (SchedulerHarness h = mixedHarness(config)) {
        Request a = mixed(1, 1);
        Request b = mixed(2, 1);
        Request c = mixed(3, 1);
        List<CompletableFuture<Map<String, Tensor>>> queued = new java.util.ArrayList<>();
        h.instance()
            .onNextExecute(
                () -> {
                  queued.add(h.submit(b));
                  queued.add(h.submit(c));
                });

        CompletableFuture<Map<String, Tensor>> first = h.submit(a);
        assertThat(first).isDone();
        h.executor.runAll();

        assertThat(h.log.count()).isEqualTo(3);
        assertThat(h.log.executions().stream().map(SchedulerHarness::requestTags))
            .containsExactly(List.of(1), List.of(2), List.of(3));
        assertThat(queued).allMatch(CompletableFuture::isDone);
        assertMixedOutputs(b, queued.get(0).join());
        assertMixedOutputs(c, queued.get(1).join());
        assertThat(h.clock.nanoTime()).isEqualTo(FakeSchedulerClock.START);
      }
    }
  }

  @Nested
  class QueueDelay {
    @Test
    void zeroDelaySendsARequestToAnIdleInstanceAtOnceOnTheSubmittingThread() {
      try (SchedulerHarness h = mixedHarness(mixedConfig(8, batching(0)))) {
        Request a = mixed(1, 2);
        CompletableFuture<Map<String, Tensor>> future = h.submit(a);
        assertThat(future).isDone();
        assertThat(h.executor.submitted()).isZero();
        assertThat(h.log.rows()).containsExactly(2);
        assertMixedOutputs(a, future.join());
      }
    }

    @Test
    void zeroDelaySendsEverythingPendingAsOneBatchWhenTheInstanceFrees() {
      try (SchedulerHarness h = mixedHarness(mixedConfig(8, batching(0)))) {
        List<Request> queued = List.of(mixed(2, 1), mixed(3, 2), mixed(4, 1));
        List<CompletableFuture<Map<String, Tensor>>> futures = new java.util.ArrayList<>();
        h.instance().onNextExecute(() -> queued.forEach(r -> futures.add(h.submit(r))));
        h.submit(mixed(1, 1));

        assertThat(h.executor.pending()).as("the next batch goes to the executor").isEqualTo(1);
        h.executor.runAll();

        assertThat(h.log.rows()).containsExactly(1, 4);
        assertThat(requestTags(h.log.executions().get(1))).containsExactly(2, 3, 4);
        for (int i = 0; i < queued.size(); i++) {
          assertMixedOutputs(queued.get(i), futures.get(i).join());
        }
      }
    }

    @Test
    void batchWaitsUntilTheOldestRequestHasWaitedTheDelay() {
      try (SchedulerHarness h = mixedHarness(mixedConfig(8, batching(1000)))) {
        Request a = mixed(1, 1);
        Request b = mixed(2, 2);
        Request c = mixed(3, 1);
        CompletableFuture<Map<String, Tensor>> fa = h.submit(a);
        CompletableFuture<Map<String, Tensor>> fb = h.submit(b);
        h.clock.advanceMicros(500);
        CompletableFuture<Map<String, Tensor>> fc = h.submit(c);

        h.clock.advance(500 * MICROS - 1);
        assertThat(h.log.count()).isZero();
        assertThat(h.executor.pending()).isZero();
        assertThat(List.of(fa, fb, fc)).noneMatch(CompletableFuture::isDone);

        h.clock.advance(1);
        assertThat(h.executor.pending())
            .as("a timer wake-up hands the batch to the executor")
            .isEqualTo(1);
        assertThat(h.log.count()).isZero();
        h.executor.runAll();

        assertThat(h.log.rows()).containsExactly(4);
        assertThat(rowTags(h.log.executions().get(0))).containsExactly(1, 2, 2, 3);
        assertMixedOutputs(a, fa.join());
        assertMixedOutputs(b, fb.join());
        assertMixedOutputs(c, fc.join());
      }
    }

    @Test
    void requestArrivingAfterABatchLeftStartsANewWait() {
      try (SchedulerHarness h = mixedHarness(mixedConfig(8, batching(1000)))) {
        h.submit(mixed(1, 1));
        h.clock.advanceMicros(1000);
        h.executor.runAll();
        CompletableFuture<Map<String, Tensor>> late = h.submit(mixed(2, 1));

        h.clock.advance(1000 * MICROS - 1);
        h.executor.runAll();
        assertThat(late).isNotDone();
        h.clock.advance(1);
        h.executor.runAll();

        assertThat(late).isDone();
        assertThat(h.log.rows()).containsExactly(1, 1);
      }
    }
  }

  @Nested
  class BatchSizes {
    @Test
    void preferredSizeReachedIsSentAtOnceWithoutWaitingForTheDelay() {
      try (SchedulerHarness h = mixedHarness(mixedConfig(8, batching(LONG_DELAY_MICROS, 4)))) {
        List<CompletableFuture<Map<String, Tensor>>> futures = new java.util.ArrayList<>();
        for (int tag = 1; tag <= 3; tag++) {
          futures.add(h.submit(mixed(tag, 1)));
        }
        assertThat(h.log.count()).isZero();

        futures.add(h.submit(mixed(4, 1)));

        assertThat(h.log.rows()).containsExactly(4);
        assertThat(futures).allMatch(CompletableFuture::isDone);
        assertThat(h.executor.submitted()).isZero();
        assertThat(h.clock.nanoTime()).isEqualTo(FakeSchedulerClock.START);
      }
    }

    @Test
    void requestOfNRowsCountsAsNRowsTowardsThePreferredSize() {
      try (SchedulerHarness h = mixedHarness(mixedConfig(8, batching(LONG_DELAY_MICROS, 4)))) {
        Request a = mixed(1, 3);
        Request b = mixed(2, 1);
        CompletableFuture<Map<String, Tensor>> fa = h.submit(a);
        assertThat(h.log.count()).isZero();
        CompletableFuture<Map<String, Tensor>> fb = h.submit(b);

        assertThat(h.log.rows()).containsExactly(4);
        assertMixedOutputs(a, fa.join());
        assertMixedOutputs(b, fb.join());
      }
    }

    @Test
    void rowsThatSkipOverEveryPreferredSizeWaitForTheDelay() {
      try (SchedulerHarness h = mixedHarness(mixedConfig(8, batching(1000, 4)))) {
        h.submit(mixed(1, 2));
        h.submit(mixed(2, 3));
        assertThat(h.log.count()).isZero();

        h.clock.advanceMicros(1000);
        h.executor.runAll();

        assertThat(h.log.rows()).containsExactly(5);
      }
    }

    @Test
    void largestPreferredSizeReachedIsSentAndTheRestKeepsWaiting() {
      try (SchedulerHarness h = mixedHarness(mixedConfig(8, batching(1000, 2, 4)))) {
        List<CompletableFuture<Map<String, Tensor>>> queued = new java.util.ArrayList<>();
        h.instance()
            .onNextExecute(
                () -> {
                  for (int tag = 2; tag <= 4; tag++) {
                    queued.add(h.submit(mixed(tag, 1)));
                  }
                });
        h.submit(mixed(1, 4));
        h.executor.runAll();

        assertThat(h.log.rows()).containsExactly(4, 2);
        assertThat(requestTags(h.log.executions().get(1))).containsExactly(2, 3);
        assertThat(queued.get(2)).isNotDone();

        h.clock.advanceMicros(1000);
        h.executor.runAll();
        assertThat(h.log.rows()).containsExactly(4, 2, 1);
        assertThat(queued).allMatch(CompletableFuture::isDone);
      }
    }

    @Test
    void maxBatchSizeReachedIsSentAtOnceWhenNoPreferredSizeIsSet() {
      try (SchedulerHarness h = mixedHarness(mixedConfig(4, batching(LONG_DELAY_MICROS)))) {
        h.submit(mixed(1, 2));
        assertThat(h.log.count()).isZero();
        h.submit(mixed(2, 2));
        assertThat(h.log.rows()).containsExactly(4);
      }
    }

    @Test
    void whenTheNextRequestWouldExceedMaxBatchSizeThePendingRowsAreSentAtOnce() {
      try (SchedulerHarness h = mixedHarness(mixedConfig(8, batching(LONG_DELAY_MICROS)))) {
        Request a = mixed(1, 5);
        Request b = mixed(2, 4);
        CompletableFuture<Map<String, Tensor>> fa = h.submit(a);
        assertThat(h.log.count()).isZero();

        CompletableFuture<Map<String, Tensor>> fb = h.submit(b);

        assertThat(h.log.rows()).containsExactly(5);
        assertThat(fa).isDone();
        assertThat(fb).isNotDone();
        assertMixedOutputs(a, fa.join());

        h.clock.advanceMicros(LONG_DELAY_MICROS);
        h.executor.runAll();
        assertThat(h.log.rows()).containsExactly(5, 4);
        assertMixedOutputs(b, fb.join());
      }
    }

    @Test
    void requestFillingMaxBatchSizeOnItsOwnIsSentAtOnce() {
      try (SchedulerHarness h = mixedHarness(mixedConfig(8, batching(LONG_DELAY_MICROS)))) {
        Request a = mixed(1, 8);
        CompletableFuture<Map<String, Tensor>> fa = h.submit(a);
        assertThat(h.log.rows()).containsExactly(8);
        assertMixedOutputs(a, fa.join());
      }
    }
  }

  @Nested
  class Contents {
    @Test
    void eachRequestReceivesExactlyItsOwnRowsOfAMergedBatch() {
      try (SchedulerHarness h = mixedHarness(mixedConfig(8, batching(1000)))) {
        List<Request> requests = List.of(mixed(1, 1), mixed(2, 3), mixed(3, 2), mixed(4, 1));
        List<CompletableFuture<Map<String, Tensor>>> futures =
            requests.stream().map(h::submit).toList();
        h.clock.advanceMicros(1000);
        h.executor.runAll();

        assertThat(h.log.rows()).containsExactly(7);
        assertThat(rowTags(h.log.executions().get(0))).containsExactly(1, 2, 2, 2, 3, 3, 4);
        for (int i = 0; i < requests.size(); i++) {
          assertMixedOutputs(requests.get(i), futures.get(i).join());
        }
      }
    }

    @Test
    void eachRequestReceivesOnlyTheOutputsItAskedFor() {
      try (SchedulerHarness h = mixedHarness(mixedConfig(8, batching(1000)))) {
        Request a = mixed(1, 2);
        Request b = mixed(2, 1);
        CompletableFuture<Map<String, Tensor>> fa =
            h.scheduler.submit(a.inputs(), List.of("scaled"), 0, 0);
        CompletableFuture<Map<String, Tensor>> fb =
            h.scheduler.submit(b.inputs(), List.of("index"), 0, 0);
        h.clock.advanceMicros(1000);
        h.executor.runAll();

        assertThat(h.log.rows()).containsExactly(3);
        assertThat(h.log.executions().get(0).outputs())
            .containsExactlyInAnyOrder("scaled", "index");
        assertThat(fa.join()).containsOnlyKeys("scaled");
        assertThat(fb.join()).containsOnlyKeys("index");
        Map<String, Tensor> aloneA = mixedSession.execute(a.inputs(), Set.of("scaled"));
        Map<String, Tensor> aloneB = mixedSession.execute(b.inputs(), Set.of("index"));
        TensorAssertions.assertSameTensors(fa.join(), aloneA);
        TensorAssertions.assertSameTensors(fb.join(), aloneB);
      }
    }
  }

  @Nested
  class Shapes {
    private final ReferenceCase seq5 =
        ReferenceCase.load(SchedulerHarness.TOKENS).stream()
            .filter(c -> c.id().endsWith("seq5"))
            .findFirst()
            .orElseThrow();
    private final ReferenceCase seq2 =
        ReferenceCase.load(SchedulerHarness.TOKENS).stream()
            .filter(c -> c.id().endsWith("seq2"))
            .findFirst()
            .orElseThrow();

    @Test
    void requestsWithDifferentNonBatchDimsNeverShareAnExecution() {
      try (SchedulerHarness h =
          new SchedulerHarness(tokenConfig(16, batching(1000)), tokenSession)) {
        Tensor oneRowOfSeq5 = Tensors.sliceRows(seq5.inputs().get("token_ids"), 1, 1);
        CompletableFuture<Map<String, Tensor>> f5 = h.submit(new Request(1, 3, seq5.inputs()));
        CompletableFuture<Map<String, Tensor>> f2 = h.submit(new Request(2, 3, seq2.inputs()));
        CompletableFuture<Map<String, Tensor>> f5b =
            h.submit(new Request(3, 1, Map.of("token_ids", oneRowOfSeq5)));

        h.clock.advanceMicros(1000);
        h.executor.runAll();

        assertThat(h.log.count()).isEqualTo(2);
        assertThat(h.log.executions().get(0).shape("token_ids")).containsExactly(4, 5);
        assertThat(h.log.executions().get(1).shape("token_ids")).containsExactly(3, 2);
        TensorAssertions.assertSameTensors(f5.join(), seq5.outputs());
        TensorAssertions.assertSameTensors(f2.join(), seq2.outputs());
        TensorAssertions.assertSameTensor(
            "embedding",
            f5b.join().get("embedding"),
            Tensors.sliceRows(seq5.outputs().get("embedding"), 1, 1));
      }
    }

    @Test
    void requestsWithDifferentNonBatchDimsAreNotMergedEvenWhenTheyWouldFit() {
      try (SchedulerHarness h = new SchedulerHarness(tokenConfig(4, batching(0)), tokenSession)) {
        List<Request> queued = List.of(tokens(2, 1, 3), tokens(3, 1, 4), tokens(4, 1, 3));
        List<CompletableFuture<Map<String, Tensor>>> futures = new java.util.ArrayList<>();
        h.instance().onNextExecute(() -> queued.forEach(r -> futures.add(h.submit(r))));
        h.submit(tokens(1, 1, 3));
        h.executor.runAll();

        assertThat(h.log.executions().stream().map(e -> e.shape("token_ids")[1]))
            .containsExactly(3L, 3L, 4L);
        assertThat(h.log.rows()).containsExactly(1, 2, 1);
        for (int i = 0; i < queued.size(); i++) {
          assertSameAsAlone(
              tokenSession, queued.get(i), Set.of("embedding"), futures.get(i).join());
        }
      }
    }

    @Test
    void fullBatchOfOneShapeIsNotHeldBackByAWaitingRequestOfAnotherShape() {
      try (SchedulerHarness h =
          new SchedulerHarness(tokenConfig(2, batching(LONG_DELAY_MICROS)), tokenSession)) {
        h.submit(tokens(1, 1, 5));
        h.submit(tokens(2, 1, 2));
        h.submit(tokens(3, 1, 2));
        h.executor.runAll();

        // The two seq-2 requests fill max_batch_size 2 and the only instance is idle: Triton
        // would have sent them (after sending the seq-5 request the moment a different shape
        // arrived); here nothing runs until the seq-5 request has waited a whole second.
        assertThat(h.log.executions())
            .anySatisfy(
                e -> {
                  assertThat(e.rows()).isEqualTo(2);
                  assertThat(e.shape("token_ids")).containsExactly(2, 2);
                });
      }
    }

    @TempDir Path dir;

    @Test
    void requestsListingTheirInputsInDifferentOrdersAreOnlyMergedWhenTheirShapesMatch() {
      byte[] model =
          TinyOnnx.model(
              List.of(
                  TinyOnnx.node("Identity", List.of("a"), List.of("a_out")),
                  // TinyOnnx names nodes by op type, so the second one is an Abs (of positive
                  // values).
                  TinyOnnx.node("Abs", List.of("b"), List.of("b_out"))),
              List.of(
                  TinyOnnx.tensorInfo("a", TinyOnnx.FLOAT, "batch", "n"),
                  TinyOnnx.tensorInfo("b", TinyOnnx.FLOAT, "batch", "m")),
              List.of(
                  TinyOnnx.tensorInfo("a_out", TinyOnnx.FLOAT, "batch", "n"),
                  TinyOnnx.tensorInfo("b_out", TinyOnnx.FLOAT, "batch", "m")));
      Path file = dir.resolve("1/model.onnx");
      TestRepos.write(file, model);
      ModelConfig config =
          ModelConfig.builder("two_inputs")
              .platform("onnxruntime_onnx")
              .maxBatchSize(8)
              .inputs(
                  List.of(
                      new TensorSpec("a", DataType.FP32, new long[] {-1}),
                      new TensorSpec("b", DataType.FP32, new long[] {-1})))
              .outputs(
                  List.of(
                      new TensorSpec("a_out", DataType.FP32, new long[] {-1}),
                      new TensorSpec("b_out", DataType.FP32, new long[] {-1})))
              .dynamicBatching(batching(1000))
              .build();
      try (EngineSession real =
              new OnnxEngine()
                  .load(
                      new LoadSpec(
                          "two_inputs",
                          1,
                          file,
                          ModelConfig.builder("two_inputs").build(),
                          Device.CPU,
                          1));
          SchedulerHarness h = new SchedulerHarness(config, real)) {
        Map<String, Tensor> first = new LinkedHashMap<>();
        first.put("a", Tensor.ofFloats(new long[] {1, 3}, 1, 2, 3));
        first.put("b", Tensor.ofFloats(new long[] {1, 5}, 4, 5, 6, 7, 8));
        Map<String, Tensor> second = new LinkedHashMap<>();
        second.put("b", Tensor.ofFloats(new long[] {1, 3}, 9, 10, 11));
        second.put("a", Tensor.ofFloats(new long[] {1, 5}, 12, 13, 14, 15, 16));
        List<String> outputs = List.of("a_out", "b_out");
        CompletableFuture<Map<String, Tensor>> f1 = h.scheduler.submit(first, outputs, 0, 0);
        CompletableFuture<Map<String, Tensor>> f2 = h.scheduler.submit(second, outputs, 0, 0);

        h.clock.advanceMicros(1000);
        h.executor.runAll();

        assertThat(f1).isCompleted();
        assertThat(f2).isCompleted();
        TensorAssertions.assertSameTensor("a_out", f1.join().get("a_out"), first.get("a"));
        TensorAssertions.assertSameTensor("b_out", f2.join().get("b_out"), second.get("b"));
      }
    }
  }
}
