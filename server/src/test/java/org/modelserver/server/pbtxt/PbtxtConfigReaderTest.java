package org.modelserver.server.pbtxt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.config.InstanceGroup;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.ModelConfigException;
import org.modelserver.runtime.config.ModelConfigParser;
import org.modelserver.runtime.config.ModelConfigParser.Format;
import org.modelserver.runtime.config.QueuePolicy;
import org.modelserver.runtime.config.VersionPolicy;
import org.modelserver.runtime.tensor.DataType;
import tools.jackson.databind.JsonNode;

/** config.pbtxt as Triton's documentation writes it, read into the same config as config.yaml. */
class PbtxtConfigReaderTest {
  /** Triton's ensemble example (docs/user_guide/architecture.md#ensemble-models). */
  static final String ENSEMBLE =
      """
      name: "pipeline"
      platform: "ensemble"
      max_batch_size: 1
      input [
        {
          name: "IMAGE"
          data_type: TYPE_STRING
          dims: [ 1 ]
        }
      ]
      output [
        {
          name: "CLASSIFICATION"
          data_type: TYPE_FP32
          dims: [ 1000 ]
        }
      ]
      ensemble_scheduling {
        step [
          {
            model_name: "image_preprocess_model"
            model_version: -1
            input_map {
              key: "RAW_IMAGE"
              value: "IMAGE"
            }
            output_map {
              key: "PREPROCESSED_OUTPUT"
              value: "preprocessed_image"
            }
          },
          {
            model_name: "classification_model"
            model_version: -1
            input_map {
              key: "FORMATTED_IMAGE"
              value: "preprocessed_image"
            }
            output_map {
              key: "CLASSIFICATION_OUTPUT"
              value: "CLASSIFICATION"
            }
          }
        ]
      }
      """;

  private final ModelConfigParser parser = new ModelConfigParser(new PbtxtConfigReader());
  private final PbtxtConfigReader reader = new PbtxtConfigReader();

  private ModelConfig pbtxt(String name, String text) {
    return parser.parse(name, text, Format.PBTXT, "config.pbtxt");
  }

  private ModelConfig yaml(String name, String text) {
    return parser.parse(name, text, Format.YAML, "config.yaml");
  }

  private AbstractThrowableAssert<?, ? extends Throwable> fails(String text) {
    return assertThatThrownBy(() -> pbtxt("m", text)).isInstanceOf(ModelConfigException.class);
  }

  @Test
  void theClassifierReadsAsItsYamlTwin() {
    ModelConfig fromPbtxt = pbtxt("classifier", PbtxtRepositoryTest.CLASSIFIER_PBTXT);
    ModelConfig fromYaml = yaml("classifier", PbtxtRepositoryTest.CLASSIFIER_YAML);
    assertThat(fromPbtxt).usingRecursiveComparison().isEqualTo(fromYaml);
    assertThat(fromPbtxt.maxBatchSize()).contains(32);
    assertThat(fromPbtxt.inputs().get(0).dataType()).isEqualTo(DataType.FP32);
    assertThat(fromPbtxt.inputs().get(0).dims()).containsExactly(4L);
    assertThat(fromPbtxt.dynamicBatching().orElseThrow().preferredBatchSizes())
        .containsExactly(4, 8);
    assertThat(fromPbtxt.dynamicBatching().orElseThrow().maxQueueDelayMicros()).isEqualTo(100);
    assertThat(fromPbtxt.instanceGroups()).extracting(InstanceGroup::count).containsExactly(2);
    assertThat(fromPbtxt.versionPolicy()).isInstanceOf(VersionPolicy.All.class);
    assertThat(fromPbtxt.labelFiles()).containsEntry("probabilities", "labels.txt");
    assertThat(fromPbtxt.warmup()).hasSize(1);
  }

  /** Triton's model_configuration.md, "Dynamic Batcher" and "Version Policy". */
  @Test
  void tritonsOnnxExampleWithTheBatcherAndAVersionPolicy() {
    String text =
        """
        platform: "onnxruntime_onnx"
        max_batch_size: 8
        input [
          {
            name: "input0"
            data_type: TYPE_FP32
            dims: [ 16 ]
          },
          {
            name: "input1"
            data_type: TYPE_FP32
            dims: [ 16 ]
          }
        ]
        output [
          {
            name: "output0"
            data_type: TYPE_FP32
            dims: [ 16 ]
          }
        ]
        dynamic_batching {
          preferred_batch_size: [ 4, 8 ]
          max_queue_delay_microseconds: 100
        }
        version_policy: { latest: { num_versions: 2 }}
        instance_group [
          {
            count: 1
            kind: KIND_GPU
            gpus: [ 0 ]
          },
          {
            count: 2
            kind: KIND_CPU
          }
        ]
        parameters { key: "intra_op_thread_count" value: { string_value: "2" } }
        """;
    ModelConfig config = pbtxt("m", text);
    assertThat(config.inputs()).hasSize(2);
    assertThat(config.versionPolicy()).isEqualTo(new VersionPolicy.Latest(2));
    assertThat(config.instanceGroups())
        .extracting(InstanceGroup::kind)
        .containsExactly(InstanceGroup.KIND_GPU, InstanceGroup.KIND_CPU);
    assertThat(config.instanceGroups().get(0).gpus()).containsExactly(0);
    assertThat(config.parameters()).containsEntry("intra_op_thread_count", "2");
    String specific = "version_policy: { specific: { versions: [ 1, 3 ] }}";
    assertThat(pbtxt("m", specific).versionPolicy())
        .isEqualTo(new VersionPolicy.Specific(java.util.Set.of(1L, 3L)));
  }

  @Test
  void explicitZerosKeepTheirMeaning() {
    // max_batch_size: 0 says "does not batch", unlike leaving it out; max_queue_size: 0 is
    // unbounded, unlike leaving it out (the server's default).
    ModelConfig config =
        pbtxt(
            "m",
            """
            max_batch_size: 0
            dynamic_batching { default_queue_policy { max_queue_size: 0 } }
            """);
    assertThat(config.maxBatchSize()).contains(0);
    assertThat(config.dynamicBatching().orElseThrow().defaultQueuePolicy().maxQueueSize()).isZero();
    ModelConfig unset = pbtxt("m", "dynamic_batching { default_queue_policy { } }");
    assertThat(unset.maxBatchSize()).isEmpty();
    assertThat(unset.dynamicBatching().orElseThrow().defaultQueuePolicy().maxQueueSize())
        .isEqualTo(QueuePolicy.UNSET);
  }

  @Test
  void aLeftOutKindIsAbsentAsInYaml() {
    ModelConfig config = pbtxt("m", "instance_group [ { count: 3 } ]");
    assertThat(config.instanceGroups().get(0).kind())
        .isEqualTo(yaml("m", "instance_group: [{count: 3}]").instanceGroups().get(0).kind());
  }

  @Test
  void integersStayNumbersEvenAt64Bits() {
    JsonNode tree =
        reader.read(
            """
            dynamic_batching {
              max_queue_delay_microseconds: 9007199254740993
              priority_levels: 2
              default_priority_level: 1
              priority_queue_policy { key: 1 value { default_timeout_microseconds: 18446744073709551615 } }
            }
            """);
    JsonNode batching = tree.get("dynamic_batching");
    assertThat(batching.get("max_queue_delay_microseconds").isIntegralNumber()).isTrue();
    assertThat(batching.get("max_queue_delay_microseconds").asLong()).isEqualTo(9007199254740993L);
    assertThat(batching.get("priority_levels").isIntegralNumber()).isTrue();
    assertThat(
            batching
                .get("priority_queue_policy")
                .get("1")
                .get("default_timeout_microseconds")
                .bigIntegerValue())
        .isEqualTo(new java.math.BigInteger("18446744073709551615"));
    assertThat(tree.toString()).doesNotContain("\"9007199254740993\"");
  }

  @Test
  void anUnsupportedFieldIsRefusedByName() {
    fails("sequence_batching { max_sequence_idle_microseconds: 5000000 }")
        .hasMessage("config.pbtxt: field 'sequence_batching' is not supported by this server");
    fails("response_cache { enable: true }")
        .hasMessage("config.pbtxt: field 'response_cache' is not supported by this server");
    fails(
            """
            input [ { name: "x" data_type: TYPE_FP32 format: FORMAT_NCHW dims: [ 3, 224, 224 ] } ]
            """)
        .hasMessage("config.pbtxt: field 'input[0].format' is not supported by this server");
    fails("instance_group [ { count: 1 kind: KIND_GPU rate_limiter { priority: 2 } } ]")
        .hasMessage(
            "config.pbtxt: field 'instance_group[0].rate_limiter' is not supported by this server");
    fails("optimization { cuda { graphs: true } }")
        .hasMessage("config.pbtxt: field 'optimization.cuda' is not supported by this server");
  }

  @Test
  void fieldsAtTheirDefaultHaveNoEffect() {
    ModelConfig config =
        pbtxt(
            "m",
            """
            input [ { name: "x" data_type: TYPE_FP32 dims: [ 4 ] format: FORMAT_NONE
                      is_shape_tensor: false allow_ragged_batch: false optional: false } ]
            """);
    assertThat(config.inputs()).hasSize(1);
  }

  @Test
  void tritonsEnsembleExampleReadsAsItsYamlTwin() {
    ModelConfig fromPbtxt = pbtxt("pipeline", ENSEMBLE);
    ModelConfig fromYaml =
        yaml(
            "pipeline",
            """
            name: pipeline
            platform: ensemble
            max_batch_size: 1
            input: [{name: IMAGE, data_type: TYPE_STRING, dims: [1]}]
            output: [{name: CLASSIFICATION, data_type: TYPE_FP32, dims: [1000]}]
            ensemble_scheduling:
              step:
                - model_name: image_preprocess_model
                  model_version: -1
                  input_map: {RAW_IMAGE: IMAGE}
                  output_map: {PREPROCESSED_OUTPUT: preprocessed_image}
                - model_name: classification_model
                  model_version: -1
                  input_map: {FORMATTED_IMAGE: preprocessed_image}
                  output_map: {CLASSIFICATION_OUTPUT: CLASSIFICATION}
            """);
    assertThat(fromPbtxt).usingRecursiveComparison().isEqualTo(fromYaml);
    assertThat(fromPbtxt.isEnsemble()).isTrue();
    assertThat(fromPbtxt.ensembleSteps()).hasSize(2);
    assertThat(fromPbtxt.ensembleSteps().get(1).inputMap())
        .containsEntry("FORMATTED_IMAGE", "preprocessed_image");
  }

  @Test
  void ensembleFieldsThisServerDoesNotRunAreRefusedByName() {
    failsAsPipeline(
            ENSEMBLE.replace("model_version: -1", "model_version: -1 model_namespace: \"ns\""))
        .hasMessageContaining("model_namespace")
        .hasMessageContaining("not supported");
    failsAsPipeline(
            ENSEMBLE.replace(
                "ensemble_scheduling {", "ensemble_scheduling { max_inflight_requests: 4"))
        .hasMessageContaining("max_inflight_requests");
    failsAsPipeline(ENSEMBLE.replace("max_batch_size: 1", "max_batch_size: 1 dynamic_batching { }"))
        .hasMessageContaining("dynamic_batching")
        .hasMessageContaining("ensemble");
    failsAsPipeline(ENSEMBLE.replace("platform: \"ensemble\"", ""))
        .hasMessageContaining("ensemble_scheduling is only allowed with platform 'ensemble'");
  }

  private AbstractThrowableAssert<?, ? extends Throwable> failsAsPipeline(String text) {
    return assertThatThrownBy(() -> pbtxt("pipeline", text))
        .isInstanceOf(ModelConfigException.class);
  }

  @Test
  void aMalformedFileIsRefusedWithItsLineAndColumn() {
    fails("max_batch_size: 8\ninput [ { name: \"x\" data_type: TYPE_FP32 dims: [ 4 }\n")
        .hasMessageStartingWith("config.pbtxt is not valid protobuf text: line 2, column ");
    fails("max_batch_size: 8\nmax_batch_sise: 4\n")
        .hasMessageContaining("line 2, column 1")
        .hasMessageContaining("max_batch_sise");
    fails("input [ { name: \"x\" data_type: TYPE_FLOAT32 } ]")
        .hasMessageContaining("line 1, column")
        .hasMessageContaining("TYPE_FLOAT32");
  }

  @Test
  void aSingularFieldWrittenTwiceIsRefused() {
    fails("max_batch_size: 8\nmax_batch_size: 16\n").hasMessageContaining("line 2");
  }

  @Test
  void existingChecksApplyAsForYaml() {
    fails("name: \"other\"").hasMessageContaining("does not match the model folder 'm'");
    fails("max_batch_size: 4\ndynamic_batching { preferred_batch_size: [ 8 ] }")
        .hasMessageContaining("preferred_batch_size");
    fails("platform: \"tensorrt_plan\"").hasMessageContaining("platform 'tensorrt_plan'");
  }
}
