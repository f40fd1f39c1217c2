package org.modelserver.runtime.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.runtime.batch.SchedulerHarness.batching;
import static org.modelserver.runtime.batch.SchedulerHarness.mixed;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.tensor.Tensor;

/** A batch never joins more bytes of input than one buffer can hold. */
class BatchPickerBytesTest {
  private static List<InferenceJob> jobs(int count) {
    List<InferenceJob> jobs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Map<String, Tensor> inputs = mixed(i, 1).inputs();
      jobs.add(
          new InferenceJob(
              inputs, List.of("scaled"), 1, 0, 0, 0, InferenceJob.ShapeKey.of(inputs, true), i));
    }
    return jobs;
  }

  @Test
  void theNextRequestStartsTheNextBatchWhenItsBytesWouldPassTheCap() {
    List<InferenceJob> queued = jobs(5);
    long perJob = queued.get(0).bytes; // x: 4 FP32 + k: 4 INT64 = 48 bytes
    assertThat(perJob).isEqualTo(48);
    BatchPicker picker = new BatchPicker(true, 8, batching(0), 2 * perJob + 1);
    assertThat(picker.pick(queued.iterator(), 0, false)).hasSize(2);
    // without the cap, max_batch_size alone decides
    assertThat(new BatchPicker(true, 8, batching(0)).pick(queued.iterator(), 0, false)).hasSize(5);
  }
}
