package org.modelserver.runtime.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.modelserver.runtime.config.DynamicBatching;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.QueuePolicy;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.device.Device;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.LoadSpec;
import org.modelserver.runtime.engine.onnx.OnnxEngine;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.stats.ModelStatistics;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.runtime.testsupport.TensorAssertions;
import org.modelserver.runtime.testsupport.TestRepos;

/**
 * A scheduler wired to a fake clock, a manual executor and recording sessions around one real ONNX
 * Runtime session, plus builders for the configs and requests of {@code mixed_io} and {@code
 * token_embed}.
 */
final class SchedulerHarness implements AutoCloseable {
  static final String MIXED = "mixed_io";
  static final String TOKENS = "token_embed";
  static final long MICROS = 1000L;

  final FakeSchedulerClock clock = new FakeSchedulerClock();
  final ManualExecutor executor = new ManualExecutor();
  final RecordingSession.Log log = new RecordingSession.Log();
  final List<RecordingSession> instances = new ArrayList<>();
  final ModelStatistics stats;
  final ModelConfig config;
  final Scheduler scheduler;

  SchedulerHarness(ModelConfig config, EngineSession real, int instanceCount) {
    this.config = config;
    for (int i = 1; i <= instanceCount; i++) {
      instances.add(new RecordingSession("instance-" + i, real, log));
    }
    this.stats = new ModelStatistics(config.name(), 1);
    this.scheduler = new Scheduler(config, List.copyOf(instances), stats, clock, executor);
  }

  SchedulerHarness(ModelConfig config, EngineSession real) {
    this(config, real, 1);
  }

  RecordingSession instance() {
    return instances.get(0);
  }

  RecordingSession instance(int index) {
    return instances.get(index);
  }

  List<String> allOutputs() {
    return config.outputs().stream().map(TensorSpec::name).toList();
  }

  CompletableFuture<Map<String, Tensor>> submit(Request request) {
    return scheduler.submit(request.inputs(), allOutputs(), 0, 0);
  }

  CompletableFuture<Map<String, Tensor>> submit(Request request, long priority) {
    return scheduler.submit(request.inputs(), allOutputs(), priority, 0);
  }

  CompletableFuture<Map<String, Tensor>> submit(
      Request request, long priority, long timeoutMicros) {
    return scheduler.submit(request.inputs(), allOutputs(), priority, timeoutMicros);
  }

  @Override
  public void close() {
    scheduler.close();
  }

  // ---------------------------------------------------------------- engines

  static EngineSession load(String model) {
    return new OnnxEngine()
        .load(
            new LoadSpec(
                model,
                1,
                TestRepos.modelFile(model, 1),
                ModelConfig.builder(model).build(),
                Device.CPU,
                1));
  }

  // ---------------------------------------------------------------- configs

  static DynamicBatching batching(long delayMicros, Integer... preferred) {
    return new DynamicBatching(
        List.of(preferred), delayMicros, false, 0, 0, QueuePolicy.DEFAULT, Map.of());
  }

  static DynamicBatching batching(long delayMicros, QueuePolicy policy) {
    return new DynamicBatching(List.of(), delayMicros, false, 0, 0, policy, Map.of());
  }

  static ModelConfig.Builder mixedConfig(Integer maxBatch) {
    return ModelConfig.builder(MIXED)
        .platform("onnxruntime_onnx")
        .maxBatchSize(maxBatch)
        .inputs(
            List.of(
                new TensorSpec("x", DataType.FP32, new long[] {4}),
                new TensorSpec("k", DataType.INT64, new long[] {4})))
        .outputs(
            List.of(
                new TensorSpec("scaled", DataType.FP32, new long[] {4}),
                new TensorSpec("index", DataType.INT64, new long[] {1})));
  }

  static ModelConfig mixedConfig(int maxBatch, DynamicBatching batching) {
    return mixedConfig(maxBatch).dynamicBatching(batching).build();
  }

  static ModelConfig.Builder tokenConfig(int maxBatch) {
    return ModelConfig.builder(TOKENS)
        .platform("onnxruntime_onnx")
        .maxBatchSize(maxBatch)
        .inputs(List.of(new TensorSpec("token_ids", DataType.INT64, new long[] {-1})))
        .outputs(List.of(new TensorSpec("embedding", DataType.FP32, new long[] {8})));
  }

  static ModelConfig tokenConfig(int maxBatch, DynamicBatching batching) {
    return tokenConfig(maxBatch).dynamicBatching(batching).build();
  }

  // ---------------------------------------------------------------- requests

  /** A request's inputs, and a tag that identifies its rows in a batch. */
  record Request(int tag, int rows, Map<String, Tensor> inputs) {}

  /**
   * A {@code mixed_io} request of {@code rows} rows whose every {@code x} value lies in [tag,
   * tag+1), so the rows of a batch tell which request they came from.
   */
  static Request mixed(int tag, int rows) {
    float[] x = new float[rows * 4];
    long[] k = new long[rows * 4];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < 4; c++) {
        x[r * 4 + c] = tag + r / 64f + c / 256f;
        k[r * 4 + c] = ((r + c + tag) % 5) - 2;
      }
    }
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    inputs.put("x", Tensor.ofFloats(new long[] {rows, 4}, x));
    inputs.put("k", Tensor.ofLongs(new long[] {rows, 4}, k));
    return new Request(tag, rows, inputs);
  }

  /** A {@code token_embed} request of {@code rows} sequences of {@code seq} ids. */
  static Request tokens(int tag, int rows, int seq) {
    long[] ids = new long[rows * seq];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (tag * 7L + i * 3L) % 100;
    }
    return new Request(tag, rows, Map.of("token_ids", Tensor.ofLongs(new long[] {rows, seq}, ids)));
  }

  static Request tokens(int tag, long[][] rows) {
    int seq = rows[0].length;
    long[] ids = new long[rows.length * seq];
    for (int r = 0; r < rows.length; r++) {
      System.arraycopy(rows[r], 0, ids, r * seq, seq);
    }
    return new Request(
        tag, rows.length, Map.of("token_ids", Tensor.ofLongs(new long[] {rows.length, seq}, ids)));
  }

  /** The tags of the {@code mixed_io} requests whose rows a call carried, one per row. */
  static List<Integer> rowTags(RecordingSession.Execution execution) {
    float[] x = execution.inputs().get("x").floats();
    List<Integer> tags = new ArrayList<>();
    for (int r = 0; r < x.length / 4; r++) {
      tags.add((int) Math.floor(x[r * 4]));
    }
    return tags;
  }

  /** The distinct request tags of a call's rows, in row order. */
  static List<Integer> requestTags(RecordingSession.Execution execution) {
    return rowTags(execution).stream().distinct().toList();
  }

  // ---------------------------------------------------------------- expectations

  /** Asserts a {@code mixed_io} result holds exactly the request's rows: x*k+0.5 and argmax. */
  static void assertMixedOutputs(Request request, Map<String, Tensor> outputs) {
    float[] x = request.inputs().get("x").floats();
    long[] k = request.inputs().get("k").longs();
    float[] scaled = new float[x.length];
    long[] index = new long[request.rows()];
    for (int r = 0; r < request.rows(); r++) {
      int best = 0;
      for (int c = 0; c < 4; c++) {
        float product = x[r * 4 + c] * k[r * 4 + c];
        scaled[r * 4 + c] = product + 0.5f;
        if (product > x[r * 4 + best] * k[r * 4 + best]) {
          best = c;
        }
      }
      index[r] = best;
    }
    assertThat(outputs).containsOnlyKeys("scaled", "index");
    assertThat(outputs.get("scaled").shape()).containsExactly(request.rows(), 4);
    assertThat(outputs.get("scaled").floats())
        .as("scaled of request %d", request.tag())
        .containsExactly(scaled, within(1e-5f));
    assertThat(outputs.get("index").shape()).containsExactly(request.rows(), 1);
    assertThat(outputs.get("index").longs())
        .as("index of request %d", request.tag())
        .containsExactly(index);
  }

  /** Asserts a result equals what the real session computes for the request on its own. */
  static void assertSameAsAlone(
      EngineSession real, Request request, Set<String> outputs, Map<String, Tensor> actual) {
    TensorAssertions.assertSameTensors(actual, real.execute(request.inputs(), outputs));
  }

  /** The {@link ServingException} a completed future failed with. */
  static ServingException failureOf(CompletableFuture<?> future) {
    assertThat(future).isCompletedExceptionally();
    Throwable error = future.handle((value, e) -> e).join();
    if (error instanceof CompletionException wrapped && wrapped.getCause() != null) {
      error = wrapped.getCause();
    }
    assertThat(error).isInstanceOf(ServingException.class);
    return (ServingException) error;
  }

  /**
   * The {@link ServingException} a submission is refused with, whether {@code submit} throws it or
   * returns a failed future.
   */
  static ServingException refusal(Supplier<CompletableFuture<Map<String, Tensor>>> submission) {
    CompletableFuture<Map<String, Tensor>> future;
    try {
      future = submission.get();
    } catch (ServingException e) {
      return e;
    }
    return failureOf(future);
  }
}
