package org.modelserver.runtime.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.modelserver.runtime.batch.SchedulerHarness.assertMixedOutputs;
import static org.modelserver.runtime.batch.SchedulerHarness.batching;
import static org.modelserver.runtime.batch.SchedulerHarness.mixed;
import static org.modelserver.runtime.batch.SchedulerHarness.mixedConfig;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.batch.SchedulerHarness.Request;
import org.modelserver.runtime.config.DynamicBatching;
import org.modelserver.runtime.config.InstanceGroup;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.ModelConfigException;
import org.modelserver.runtime.config.ModelConfigParser;
import org.modelserver.runtime.config.QueuePolicy;
import org.modelserver.runtime.config.QueuePolicy.TimeoutAction;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.stats.ModelStatistics;
import org.modelserver.runtime.tensor.Tensor;

/** Scheduling settings: what is refused, and what the parser reads from Triton's YAML. */
class SchedulerConfigTest {

  @Nested
  class Errors {
    @Test
    void preferredBatchSizeAboveMaxBatchSizeIsRejectedWhenTheConfigIsBuilt() {
      assertThatThrownBy(() -> mixedConfig(8, batching(0, 4, 16)))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("preferred_batch_size 16")
          .hasMessageContaining("max_batch_size 8");
    }

    @Test
    void preferredSizesAreIgnoredWhenTheModelDoesNotBatch() {
      // Without max_batch_size the model does not batch, so dynamic_batching has no effect
      // (as in Triton) and its preferred sizes are not held against a batch size of 0.
      ModelConfig config = mixedConfig(null).dynamicBatching(batching(0, 4)).build();
      ManualExecutor executor = new ManualExecutor();
      RecordingSession instance = new RecordingSession(null);
      assertThatCode(
              () ->
                  new Scheduler(
                      config,
                      List.of(instance),
                      new ModelStatistics("mixed_io", 1),
                      new FakeSchedulerClock(),
                      executor))
          .doesNotThrowAnyException();
    }

    @Test
    void defaultPriorityLevelOutsideTheLevelsIsRejected() {
      assertThatThrownBy(
              () -> new DynamicBatching(List.of(), 0, false, 2, 3, QueuePolicy.DEFAULT, Map.of()))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("default_priority_level 3")
          .hasMessageContaining("1..2");
      assertThatThrownBy(
              () -> new DynamicBatching(List.of(), 0, false, 2, 0, QueuePolicy.DEFAULT, Map.of()))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("default_priority_level");
    }

    @Test
    void defaultPriorityLevelWithoutPriorityLevelsIsRejected() {
      assertThatThrownBy(
              () -> new DynamicBatching(List.of(), 0, false, 0, 1, QueuePolicy.DEFAULT, Map.of()))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("priority_levels");
    }

    @Test
    void queuePolicyForALevelOutsideThePriorityLevelsIsRejected() {
      assertThatThrownBy(
              () ->
                  new DynamicBatching(
                      List.of(),
                      0,
                      false,
                      2,
                      1,
                      QueuePolicy.DEFAULT,
                      Map.of(3, QueuePolicy.DEFAULT)))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("priority_queue_policy has level 3");
    }

    @Test
    void preferredBatchSizeBelowOneIsRejected() {
      assertThatThrownBy(() -> batching(0, 0))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("preferred_batch_size");
    }

    @Test
    void negativeQueueDelayIsRejected() {
      assertThatThrownBy(() -> batching(-1))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("max_queue_delay_microseconds");
    }

    @Test
    void negativeQueuePolicyValuesAreRejected() {
      assertThatThrownBy(() -> new QueuePolicy(TimeoutAction.REJECT, -1, false, 0))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("default_timeout_microseconds");
      assertThatThrownBy(() -> new QueuePolicy(TimeoutAction.REJECT, 0, false, -2))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("max_queue_size");
    }

    @Test
    void instanceGroupNeedsAPositiveCountAndAKnownKind() {
      assertThatThrownBy(() -> new InstanceGroup(0, InstanceGroup.KIND_CPU))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("count");
      assertThatThrownBy(() -> new InstanceGroup(1, "KIND_TPU"))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("KIND_TPU")
          .hasMessageContaining("KIND_GPU");
      assertThatThrownBy(() -> new InstanceGroup(1, InstanceGroup.KIND_CPU, List.of(0)))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("KIND_CPU");
      assertThatThrownBy(() -> new InstanceGroup(1, InstanceGroup.KIND_GPU, List.of(-1)))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("-1");
    }

    @Test
    void schedulerNeedsAtLeastOneInstance() {
      assertThatThrownBy(
              () ->
                  new Scheduler(
                      mixedConfig(8, batching(0)),
                      List.of(),
                      new ModelStatistics("mixed_io", 1),
                      new FakeSchedulerClock(),
                      new ManualExecutor()))
          .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void instanceCountIsTheSumOfTheGroupsAndOneByDefault() {
      assertThat(mixedConfig(8).build().instanceCount()).isEqualTo(1);
      assertThat(
              mixedConfig(8)
                  .instanceGroups(
                      List.of(
                          new InstanceGroup(2, InstanceGroup.KIND_CPU),
                          new InstanceGroup(3, InstanceGroup.KIND_AUTO)))
                  .build()
                  .instanceCount())
          .isEqualTo(5);
    }
  }

  @Nested
  class Parser {
    private final ModelConfigParser parser = new ModelConfigParser();

    private ModelConfig yaml(String text) {
      return parser.parse("mixed_io", text, false, "config.yaml");
    }

    private static final String TENSORS =
        """
        input:
          - {name: x, data_type: TYPE_FP32, dims: [4]}
          - {name: k, data_type: TYPE_INT64, dims: [4]}
        output:
          - {name: scaled, data_type: TYPE_FP32, dims: [4]}
          - {name: index, data_type: TYPE_INT64, dims: [1]}
        """;

    @Test
    void readsTritonsDynamicBatchingSettings() {
      ModelConfig config =
          yaml(
              """
              max_batch_size: 8
              dynamic_batching:
                preferred_batch_size: [4, 2]
                max_queue_delay_microseconds: 500
                preserve_ordering: true
                priority_levels: 3
                default_priority_level: 2
                default_queue_policy:
                  timeout_action: DELAY
                  default_timeout_microseconds: 1000
                  allow_timeout_override: true
                  max_queue_size: 16
                priority_queue_policy:
                  1:
                    timeout_action: REJECT
                    max_queue_size: 4
              """);

      DynamicBatching batching = config.dynamicBatching().orElseThrow();
      assertThat(batching.preferredBatchSizes()).containsExactly(4, 2);
      assertThat(batching.maxQueueDelayMicros()).isEqualTo(500);
      assertThat(batching.preserveOrdering()).isTrue();
      assertThat(batching.priorityLevels()).isEqualTo(3);
      assertThat(batching.defaultPriorityLevel()).isEqualTo(2);
      assertThat(batching.defaultQueuePolicy())
          .isEqualTo(new QueuePolicy(TimeoutAction.DELAY, 1000, true, 16));
      assertThat(batching.queuePolicy(1))
          .isEqualTo(new QueuePolicy(TimeoutAction.REJECT, 0, false, 4));
      assertThat(batching.queuePolicy(2)).isEqualTo(batching.defaultQueuePolicy());
    }

    @Test
    void emptyDynamicBatchingMeansTritonsDefaults() {
      ModelConfig config = yaml("max_batch_size: 8\ndynamic_batching: {}\n");
      assertThat(config.dynamicBatching()).contains(DynamicBatching.defaults());
      assertThat(yaml("max_batch_size: 8\n").dynamicBatching()).isEmpty();
    }

    @Test
    void gpuGroupsAreReadWithTheirGpus() {
      assertThat(
              yaml("instance_group: [{count: 2, kind: KIND_GPU, gpus: [0, 1]}, {kind: KIND_GPU}]\n")
                  .instanceGroups())
          .containsExactly(
              new InstanceGroup(2, InstanceGroup.KIND_GPU, List.of(0, 1)),
              new InstanceGroup(1, InstanceGroup.KIND_GPU));
    }

    @Test
    void readsInstanceGroupsAndParameters() {
      ModelConfig config =
          yaml(
              """
              max_batch_size: 8
              instance_group:
                - count: 2
                  kind: KIND_CPU
                - {kind: KIND_AUTO}
              parameters:
                intra_op_thread_count: {string_value: "2"}
                inter_op_thread_count: "1"
              """);
      assertThat(config.instanceGroups())
          .containsExactly(
              new InstanceGroup(2, InstanceGroup.KIND_CPU),
              new InstanceGroup(1, InstanceGroup.KIND_AUTO));
      assertThat(config.instanceCount()).isEqualTo(3);
      assertThat(config.parameters())
          .containsExactlyInAnyOrderEntriesOf(
              Map.of("intra_op_thread_count", "2", "inter_op_thread_count", "1"));
    }

    @Test
    void priorityLevelsWithoutADefaultLevelAreRejected() {
      assertThatThrownBy(() -> yaml("max_batch_size: 8\ndynamic_batching: {priority_levels: 2}\n"))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("default_priority_level");
    }

    @Test
    void preferredBatchSizeAboveMaxBatchSizeIsRejected() {
      assertThatThrownBy(
              () -> yaml("max_batch_size: 4\ndynamic_batching: {preferred_batch_size: [8]}\n"))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("preferred_batch_size 8");
    }

    @Test
    void unknownBatchingKeysAndTimeoutActionsAreRejected() {
      assertThatThrownBy(() -> yaml("max_batch_size: 8\ndynamic_batching: {max_queue_delay: 5}\n"))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("dynamic_batching.max_queue_delay");
      assertThatThrownBy(
              () ->
                  yaml(
                      "max_batch_size: 8\n"
                          + "dynamic_batching: {default_queue_policy: {timeout_action: DROP}}\n"))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("timeout_action 'DROP'");
      assertThatThrownBy(() -> yaml("instance_group: [{count: 1, kind: KIND_TPU}]\n"))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("instance_group[0]");
    }

    @Test
    void parsedConfigDrivesTheScheduler() {
      ModelConfig config =
          yaml(
              "platform: onnxruntime_onnx\nmax_batch_size: 8\n"
                  + TENSORS
                  + "dynamic_batching:\n"
                  + "  preferred_batch_size: [3]\n"
                  + "  max_queue_delay_microseconds: 1000000\n");
      try (EngineSession real = SchedulerHarness.load(SchedulerHarness.MIXED);
          SchedulerHarness h = new SchedulerHarness(config, real)) {
        Request a = mixed(1, 1);
        Request b = mixed(2, 2);
        CompletableFuture<Map<String, Tensor>> fa = h.submit(a);
        assertThat(fa).isNotDone();
        CompletableFuture<Map<String, Tensor>> fb = h.submit(b);

        assertThat(h.log.rows()).containsExactly(3);
        assertMixedOutputs(a, fa.join());
        assertMixedOutputs(b, fb.join());
      }
    }
  }
}
