package org.modelserver.runtime.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.device.Device;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.LoadSpec;
import org.modelserver.runtime.engine.onnx.OnnxEngine;
import org.modelserver.runtime.stats.FailureReason;
import org.modelserver.runtime.stats.ModelStatistics;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.runtime.testsupport.TinyOnnx;

/**
 * A request that already runs alone on ONNX Runtime is stopped (RunOptions' terminate flag) when
 * its caller cancels it, and is counted as cancelled, not as an engine fault.
 */
class SchedulerRunStopTest {
  @TempDir Path dir;

  private static Map<String, Tensor> size(long n) {
    return Map.of("size", Tensor.ofLongs(new long[] {2}, n, n));
  }

  @Test
  void aRunningRequestWhoseCallerCancelsIsStopped() throws Exception {
    Path file = dir.resolve("model.onnx");
    Files.write(file, TinyOnnx.slowSum());
    ModelConfig config =
        ModelConfig.builder("slow")
            .platform("onnxruntime_onnx")
            .maxBatchSize(0)
            .inputs(List.of(new TensorSpec("size", DataType.INT64, new long[] {2})))
            .outputs(List.of(new TensorSpec("sum", DataType.FP32, new long[] {1, 1})))
            .build();
    EngineSession session =
        new OnnxEngine().load(new LoadSpec("slow", 1, file, config, Device.CPU, 1));
    ModelStatistics stats = new ModelStatistics("slow", 1);
    Scheduler scheduler = Scheduler.create(config, List.of(session), stats, "stop-test", 0);
    try {
      // The first request runs on this helper thread; the second queues, then runs on the
      // scheduler's own thread once the first is done.
      CompletableFuture<Void> first =
          CompletableFuture.runAsync(
              () -> scheduler.submit(size(2500), List.of("sum"), 0, 0).join());
      while (scheduler.pendingRequests() == 0 && !first.isDone()) {
        Thread.sleep(5);
      }
      CompletableFuture<Map<String, Tensor>> second =
          scheduler.submit(size(4500), List.of("sum"), 0, 0);
      first.get(120, TimeUnit.SECONDS);
      // wait until the second has left the queue for its batch (it is running, or about to)
      while (stats.pendingRequests() > 0) {
        Thread.sleep(5);
      }
      second.cancel(false);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
      while (stats.failures(FailureReason.CANCELED) == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(stats.failures(FailureReason.CANCELED)).isEqualTo(1);
      assertThat(stats.failures(FailureReason.BACKEND)).isZero();
      // only the first execution completed: the second was stopped, not finished
      assertThat(stats.executionCount()).isEqualTo(1);
    } finally {
      scheduler.close();
    }
  }
}
