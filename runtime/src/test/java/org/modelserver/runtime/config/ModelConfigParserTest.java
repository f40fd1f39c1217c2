package org.modelserver.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.testsupport.TestRepos;

class ModelConfigParserTest {
  private final ModelConfigParser parser = new ModelConfigParser();

  private ModelConfig yaml(String text) {
    return parser.parse("m", text, false, "config.yaml");
  }

  private ModelConfig json(String text) {
    return parser.parse("m", text, true, "config.json");
  }

  private AbstractThrowableAssert<?, ? extends Throwable> yamlFails(String text) {
    return assertThatThrownBy(() -> yaml(text))
        .isInstanceOf(ModelConfigException.class)
        .hasMessageStartingWith("config.yaml");
  }

  private static final String CLASSIFIER_YAML =
      """
      platform: onnxruntime_onnx
      max_batch_size: 32
      input:
        - name: features
          data_type: TYPE_FP32
          dims: [4]
      output:
        - name: probabilities
          data_type: TYPE_FP32
          dims: [3]
      version_policy:
        all: {}
      """;

  @Nested
  class ValidConfigs {
    @Test
    void fullYamlConfig() {
      ModelConfig config = yaml(CLASSIFIER_YAML);
      assertThat(config.name()).isEqualTo("m");
      assertThat(config.platform()).contains(Platforms.ONNX);
      assertThat(config.maxBatchSize()).contains(32);
      assertThat(config.batched()).isTrue();
      assertThat(config.inputs())
          .containsExactly(new TensorSpec("features", DataType.FP32, new long[] {4}));
      assertThat(config.outputs())
          .containsExactly(new TensorSpec("probabilities", DataType.FP32, new long[] {3}));
      assertThat(config.versionPolicy()).isEqualTo(new VersionPolicy.All());
    }

    @Test
    void fullJsonConfig() {
      ModelConfig config =
          json(
              """
              {
                "name": "m",
                "platform": "onnxruntime_onnx",
                "max_batch_size": 0,
                "default_model_filename": "net.onnx",
                "input": [{"name": "x", "data_type": "TYPE_INT64", "dims": [-1, 2]}],
                "output": [{"name": "y", "data_type": "TYPE_STRING", "dims": []}],
                "version_policy": {"specific": {"versions": [1, 3]}}
              }
              """);
      assertThat(config.platform()).contains(Platforms.ONNX);
      assertThat(config.maxBatchSize()).contains(0);
      assertThat(config.batched()).isFalse();
      assertThat(config.defaultModelFilename()).contains("net.onnx");
      assertThat(config.inputs())
          .containsExactly(new TensorSpec("x", DataType.INT64, new long[] {-1, 2}));
      assertThat(config.outputs())
          .containsExactly(new TensorSpec("y", DataType.BYTES, new long[] {}));
      assertThat(config.versionPolicy()).isEqualTo(new VersionPolicy.Specific(Set.of(1L, 3L)));
    }

    @Test
    void theRealClassifierConfig() {
      ModelConfig config = parser.read("classifier", TestRepos.modelDir("classifier"));
      assertThat(config.platform()).contains(Platforms.ONNX);
      assertThat(config.maxBatchSize()).contains(32);
      assertThat(config.versionPolicy()).isInstanceOf(VersionPolicy.All.class);
    }

    @Test
    void theRealTokenEmbedConfigLeavesPlatformToInference() {
      ModelConfig config = parser.read("token_embed", TestRepos.modelDir("token_embed"));
      assertThat(config.platform()).isEmpty();
      assertThat(config.maxBatchSize()).contains(16);
      assertThat(config.inputs())
          .containsExactly(new TensorSpec("token_ids", DataType.INT64, new long[] {-1}));
      assertThat(config.outputs())
          .containsExactly(new TensorSpec("embedding", DataType.FP32, new long[] {8}));
      assertThat(config.versionPolicy()).isEqualTo(VersionPolicy.defaultPolicy());
    }

    @Test
    void emptyYamlIsAnEmptyConfig() {
      ModelConfig config = yaml("");
      assertThat(config.name()).isEqualTo("m");
      assertThat(config.platform()).isEmpty();
      assertThat(config.maxBatchSize()).isEmpty();
      assertThat(config.inputs()).isEmpty();
      assertThat(config.outputs()).isEmpty();
      assertThat(config.versionPolicy()).isEqualTo(new VersionPolicy.Latest(1));
    }

    @Test
    void commentOnlyYamlIsAnEmptyConfig() {
      assertThat(yaml("# nothing here\n").inputs()).isEmpty();
    }

    @Test
    void emptyJsonObjectIsAnEmptyConfig() {
      ModelConfig config = json("{}");
      assertThat(config.platform()).isEmpty();
      assertThat(config.maxBatchSize()).isEmpty();
    }

    @Test
    void missingFileGivesTheDefaultConfig(@TempDir Path dir) {
      ModelConfig config = parser.read("m", dir);
      assertThat(config.name()).isEqualTo("m");
      assertThat(config.platform()).isEmpty();
      assertThat(config.maxBatchSize()).isEmpty();
    }

    @Test
    void matchingNameIsAccepted() {
      assertThat(yaml("name: m\n").name()).isEqualTo("m");
    }

    @Test
    void backendOnnxruntimeMeansTheOnnxPlatform() {
      assertThat(yaml("backend: onnxruntime\n").platform()).contains(Platforms.ONNX);
    }

    @Test
    void backendPytorchMeansTheLibtorchPlatform() {
      assertThat(yaml("backend: pytorch\n").platform()).contains(Platforms.TORCH);
    }

    @Test
    void backendAgreeingWithPlatformIsAccepted() {
      assertThat(yaml("platform: onnxruntime_onnx\nbackend: onnxruntime\n").platform())
          .contains(Platforms.ONNX);
    }

    @Test
    void torchPlatformIsKnown() {
      assertThat(yaml("platform: pytorch_libtorch\n").platform()).contains(Platforms.TORCH);
    }

    @Test
    void variableAndScalarDimsAreAccepted() {
      ModelConfig config =
          yaml(
              """
              input:
                - {name: a, data_type: TYPE_FP32, dims: [-1, 3]}
                - {name: b, data_type: TYPE_BOOL, dims: []}
              """);
      assertThat(config.input("a").orElseThrow().dims()).containsExactly(-1, 3);
      assertThat(config.input("b").orElseThrow().dims()).isEmpty();
    }

    @Test
    void tensorListsMayBeNull() {
      ModelConfig config = yaml("input:\noutput: null\n");
      assertThat(config.inputs()).isEmpty();
      assertThat(config.outputs()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "TYPE_BOOL", "TYPE_UINT8", "TYPE_UINT16", "TYPE_UINT32", "TYPE_UINT64", "TYPE_INT8",
          "TYPE_INT16", "TYPE_INT32", "TYPE_INT64", "TYPE_FP16", "TYPE_BF16", "TYPE_FP32",
          "TYPE_FP64", "TYPE_STRING"
        })
    void everyTritonDataTypeIsRead(String typeName) {
      ModelConfig config = yaml("input:\n  - {name: a, data_type: " + typeName + ", dims: [1]}\n");
      assertThat(config.input("a").orElseThrow().dataType().configName()).isEqualTo(typeName);
    }
  }

  @Nested
  class KeyErrors {
    @Test
    void unknownTopLevelKeyIsNamed() {
      yamlFails("platform: onnxruntime_onnx\nmax_batch: 4\n")
          .hasMessageContaining("unknown key 'max_batch'")
          .hasMessageContaining("max_batch_size");
    }

    @Test
    void unknownTopLevelKeyInJsonIsNamed() {
      assertThatThrownBy(() -> json("{\"inputs\": []}"))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageStartingWith("config.json")
          .hasMessageContaining("unknown key 'inputs'");
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "model_operations",
          "response_cache",
          "sequence_batching",
          "model_transaction_policy",
          "batch_input"
        })
    void knownButUnsupportedTritonKeyIsNamedAsSuch(String key) {
      yamlFails(key + ": {}\n")
          .hasMessageContaining("'" + key + "'")
          .hasMessageContaining("does not support yet");
    }

    @Test
    void tritonsCudaAcceleratorIsRead() {
      ModelConfig config =
          yaml(
              """
              optimization:
                execution_accelerators:
                  gpu_execution_accelerator:
                    - name: cuda
                      parameters: {cudnn_conv_algo_search: HEURISTIC, gpu_mem_limit: 1073741824}
              """);
      assertThat(config.gpuAccelerators())
          .containsExactly(
              new ExecutionAccelerator(
                  "cuda",
                  Map.of("cudnn_conv_algo_search", "HEURISTIC", "gpu_mem_limit", "1073741824")));
    }

    @Test
    void otherAcceleratorsAndOptimizationsAreRefusedByName() {
      yamlFails(
              "optimization: {execution_accelerators: {gpu_execution_accelerator: [{name: tensorrt}]}}\n")
          .hasMessageContaining("'tensorrt' is not supported; expected cuda");
      yamlFails("optimization: {graph: {level: 1}}\n")
          .hasMessageContaining("'optimization.graph'")
          .hasMessageContaining("does not support yet");
      yamlFails(
              "optimization: {execution_accelerators: {cpu_execution_accelerator: [{name: openvino}]}}\n")
          .hasMessageContaining("cpu_execution_accelerator is not supported");
    }

    @Test
    void unknownTensorKeyIsNamedWithItsPath() {
      yamlFails(
              """
              input:
                - name: x
                  data_type: TYPE_FP32
                  dims: [1]
                  format: FORMAT_NCHW
              """)
          .hasMessageContaining("unknown key 'input[0].format'")
          .hasMessageContaining("data_type, dims, name");
    }

    @Test
    void unsupportedTritonKeyInsideATensorIsUnknown() {
      yamlFails("output:\n  - {name: y, data_type: TYPE_FP32, dims: [1], dynamic_batching: {}}\n")
          .hasMessageContaining("unknown key 'output[0].dynamic_batching'");
    }

    @Test
    void missingTensorFieldIsNamed() {
      yamlFails("input:\n  - {name: x, dims: [1]}\n")
          .hasMessageContaining("input[0] is missing 'data_type'");
      yamlFails("output:\n  - {name: y, data_type: TYPE_FP32}\n")
          .hasMessageContaining("output[0] is missing 'dims'");
      yamlFails("input:\n  - {data_type: TYPE_FP32, dims: [1]}\n")
          .hasMessageContaining("input[0] is missing 'name'");
    }

    @Test
    void secondTensorIsNamedByIndex() {
      yamlFails(
              """
              input:
                - {name: a, data_type: TYPE_FP32, dims: [1]}
                - {name: b, data_type: FLOAT, dims: [1]}
              """)
          .hasMessageContaining("input[1].data_type 'FLOAT' is unknown");
    }

    @Test
    void duplicateTopLevelKeyInYamlIsRejected() {
      yamlFails("max_batch_size: 4\nmax_batch_size: 8\n")
          .hasMessageContaining("is not valid YAML")
          .hasMessageContaining("max_batch_size");
    }

    @Test
    void duplicateNestedKeyInYamlIsRejected() {
      yamlFails("input:\n  - {name: a, name: b, data_type: TYPE_FP32, dims: [1]}\n")
          .hasMessageContaining("is not valid YAML")
          .hasMessageContaining("name");
    }

    @Test
    void duplicateKeyInJsonIsRejected() {
      assertThatThrownBy(() -> json("{\"platform\": \"onnxruntime_onnx\", \"platform\": \"x\"}"))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("config.json is not valid JSON")
          .hasMessageContaining("platform");
    }

    @Test
    void duplicateTensorNameIsRejected() {
      yamlFails(
              """
              input:
                - {name: a, data_type: TYPE_FP32, dims: [1]}
                - {name: a, data_type: TYPE_FP32, dims: [2]}
              """)
          .hasMessageContaining("input 'a' is declared twice");
    }
  }

  @Nested
  class ValueErrors {
    @Test
    void unknownDataTypeIsNamed() {
      yamlFails("input:\n  - {name: x, data_type: TYPE_FLOAT, dims: [1]}\n")
          .hasMessageContaining("input[0].data_type 'TYPE_FLOAT' is unknown")
          .hasMessageContaining("TYPE_FP32")
          .hasMessageContaining("TYPE_STRING");
    }

    @Test
    void protocolDataTypeNameIsNotAConfigName() {
      yamlFails("output:\n  - {name: y, data_type: FP32, dims: [1]}\n")
          .hasMessageContaining("output[0].data_type 'FP32' is unknown");
    }

    @Test
    void dataTypeMustBeAString() {
      yamlFails("input:\n  - {name: x, data_type: 5, dims: [1]}\n")
          .hasMessageContaining("input[0].data_type must be a string");
    }

    @Test
    void zeroDimIsRejected() {
      yamlFails("input:\n  - {name: x, data_type: TYPE_FP32, dims: [3, 0]}\n")
          .hasMessageContaining("input[0].dims[1]")
          .hasMessageContaining("positive size or -1")
          .hasMessageContaining("got 0");
    }

    @Test
    void dimBelowMinusOneIsRejected() {
      yamlFails("output:\n  - {name: y, data_type: TYPE_FP32, dims: [-2]}\n")
          .hasMessageContaining("output[0].dims[0]")
          .hasMessageContaining("got -2");
    }

    @Test
    void fractionalDimIsRejected() {
      yamlFails("input:\n  - {name: x, data_type: TYPE_FP32, dims: [2.5]}\n")
          .hasMessageContaining("input[0].dims[0] must be an integer")
          .hasMessageContaining("2.5");
    }

    @Test
    void textDimIsRejected() {
      yamlFails("input:\n  - {name: x, data_type: TYPE_FP32, dims: [four]}\n")
          .hasMessageContaining("input[0].dims[0] must be an integer")
          .hasMessageContaining("four");
    }

    @Test
    void dimsMustBeAList() {
      yamlFails("input:\n  - {name: x, data_type: TYPE_FP32, dims: 4}\n")
          .hasMessageContaining("input[0].dims must be a list of integers");
    }

    @Test
    void tensorListMustBeAList() {
      yamlFails("input:\n  name: x\n").hasMessageContaining("input must be a list");
    }

    @Test
    void tensorEntryMustBeAMapping() {
      yamlFails("output:\n  - y\n").hasMessageContaining("output[0] must be a mapping");
    }

    @Test
    void tensorNameMustBeAString() {
      yamlFails("input:\n  - {name: [x], data_type: TYPE_FP32, dims: [1]}\n")
          .hasMessageContaining("input[0].name must be a string");
    }

    @Test
    void nameMismatchWithTheFolderIsRejected() {
      yamlFails("name: other\n")
          .hasMessageContaining("name 'other'")
          .hasMessageContaining("model folder 'm'");
    }

    @Test
    void nameMustBeAString() {
      yamlFails("name: 12\n").hasMessageContaining("name must be a string");
    }

    @Test
    void unknownPlatformIsRejected() {
      yamlFails("platform: tensorflow_savedmodel\n")
          .hasMessageContaining("platform 'tensorflow_savedmodel' is not supported")
          .hasMessageContaining(Platforms.ONNX)
          .hasMessageContaining(Platforms.TORCH);
    }

    @Test
    void backendNameIsNotAPlatformName() {
      yamlFails("platform: onnxruntime\n")
          .hasMessageContaining("platform 'onnxruntime' is not supported");
    }

    @Test
    void unknownBackendIsRejected() {
      yamlFails("backend: tensorrt\n")
          .hasMessageContaining("backend 'tensorrt' is not supported")
          .hasMessageContaining("onnxruntime");
    }

    @Test
    void backendContradictingPlatformIsRejected() {
      yamlFails("platform: onnxruntime_onnx\nbackend: pytorch\n")
          .hasMessageContaining("backend 'pytorch' contradicts platform 'onnxruntime_onnx'");
    }

    @Test
    void negativeMaxBatchSizeIsRejected() {
      yamlFails("max_batch_size: -1\n")
          .hasMessageContaining("max_batch_size must be 0 or more, got -1");
    }

    @Test
    void nonIntegerMaxBatchSizeIsRejected() {
      yamlFails("max_batch_size: eight\n")
          .hasMessageContaining("max_batch_size must be an integer");
      yamlFails("max_batch_size: 1.5\n").hasMessageContaining("max_batch_size must be an integer");
      yamlFails("max_batch_size: 99999999999\n")
          .hasMessageContaining("max_batch_size must be an integer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"''", "../model.onnx", "sub/model.onnx", "'a\\b.onnx'", ".hidden"})
    void defaultModelFilenameMustBeAPlainName(String value) {
      yamlFails("default_model_filename: " + value + "\n")
          .hasMessageContaining("default_model_filename must be a plain file name");
    }

    @Test
    void topLevelMustBeAMapping() {
      yamlFails("- a\n- b\n").hasMessageContaining("top level must be a mapping");
      yamlFails("just text\n").hasMessageContaining("top level must be a mapping");
    }

    @Test
    void malformedYamlIsReported() {
      yamlFails("input: [\n  - name: x\n").hasMessageContaining("config.yaml is not valid YAML");
    }

    @Test
    void badIndentationIsReported() {
      yamlFails("platform: onnxruntime_onnx\n  max_batch_size: 4\n")
          .hasMessageContaining("not valid YAML");
    }

    @Test
    void malformedJsonIsReported() {
      assertThatThrownBy(() -> json("{\"platform\": }"))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("config.json is not valid JSON");
    }
  }

  @Nested
  class VersionPolicies {
    @Test
    void latestWithCount() {
      assertThat(yaml("version_policy:\n  latest: {num_versions: 2}\n").versionPolicy())
          .isEqualTo(new VersionPolicy.Latest(2));
    }

    @Test
    void latestWithoutCountMeansOne() {
      assertThat(yaml("version_policy:\n  latest: {}\n").versionPolicy())
          .isEqualTo(new VersionPolicy.Latest(1));
    }

    @Test
    void latestWithNullBodyMeansOne() {
      assertThat(yaml("version_policy:\n  latest:\n").versionPolicy())
          .isEqualTo(new VersionPolicy.Latest(1));
    }

    @Test
    void all() {
      assertThat(yaml("version_policy:\n  all: {}\n").versionPolicy())
          .isEqualTo(new VersionPolicy.All());
    }

    @Test
    void specific() {
      VersionPolicy policy =
          yaml("version_policy:\n  specific: {versions: [3, 1, 3]}\n").versionPolicy();
      assertThat(policy).isInstanceOf(VersionPolicy.Specific.class);
      assertThat(((VersionPolicy.Specific) policy).sorted()).containsExactly(1L, 3L);
    }

    @Test
    void zeroLatestCountIsRejected() {
      yamlFails("version_policy:\n  latest: {num_versions: 0}\n")
          .hasMessageContaining("num_versions must be at least 1");
    }

    @Test
    void nonIntegerLatestCountIsRejected() {
      yamlFails("version_policy:\n  latest: {num_versions: two}\n")
          .hasMessageContaining("version_policy.latest.num_versions must be an integer");
    }

    @Test
    void unknownKeyInsideAPolicyIsNamed() {
      yamlFails("version_policy:\n  latest: {count: 2}\n")
          .hasMessageContaining("unknown key 'version_policy.latest.count'")
          .hasMessageContaining("num_versions");
      yamlFails("version_policy:\n  all: {versions: [1]}\n")
          .hasMessageContaining("unknown key 'version_policy.all.versions'");
    }

    @Test
    void unknownPolicyIsNamed() {
      yamlFails("version_policy:\n  newest: {}\n")
          .hasMessageContaining("version_policy 'newest' is unknown")
          .hasMessageContaining("latest, all or specific");
    }

    @Test
    void twoPoliciesAreRejected() {
      yamlFails("version_policy:\n  all: {}\n  latest: {}\n")
          .hasMessageContaining("version_policy must have exactly one of");
    }

    @Test
    void emptyPolicyIsRejected() {
      yamlFails("version_policy: {}\n")
          .hasMessageContaining("version_policy must have exactly one");
    }

    @Test
    void scalarPolicyIsRejected() {
      yamlFails("version_policy: latest\n")
          .hasMessageContaining("version_policy must have exactly one");
    }

    @Test
    void policyBodyMustBeAMapping() {
      yamlFails("version_policy:\n  latest: 2\n")
          .hasMessageContaining("version_policy.latest must be a mapping");
    }

    @Test
    void specificNeedsAVersionList() {
      yamlFails("version_policy:\n  specific: {}\n")
          .hasMessageContaining("version_policy.specific.versions must be a list");
      yamlFails("version_policy:\n  specific: {versions: 1}\n")
          .hasMessageContaining("version_policy.specific.versions must be a list");
    }

    @Test
    void specificVersionBeyondLongIsAConfigError() {
      yamlFails("version_policy:\n  specific: {versions: [99999999999999999999]}\n")
          .hasMessageContaining("version_policy.specific.versions");
    }

    @Test
    void specificNeedsAtLeastOneVersion() {
      yamlFails("version_policy:\n  specific: {versions: []}\n")
          .hasMessageContaining("specific.versions must list at least one version");
    }

    @Test
    void specificVersionsMustBePositiveIntegers() {
      yamlFails("version_policy:\n  specific: {versions: [0]}\n")
          .hasMessageContaining("version_policy.specific.versions must hold positive integers")
          .hasMessageContaining("got 0");
      yamlFails("version_policy:\n  specific: {versions: [-1]}\n")
          .hasMessageContaining("positive integers");
      yamlFails("version_policy:\n  specific: {versions: [one]}\n")
          .hasMessageContaining("positive integers");
    }
  }

  @Nested
  class ConfigFiles {
    @TempDir Path dir;

    @Test
    void yamlFileIsFound() {
      TestRepos.write(dir.resolve("config.yaml"), "max_batch_size: 2\n");
      assertThat(ModelConfigParser.configFile(dir)).contains(dir.resolve("config.yaml"));
      assertThat(parser.read("m", dir).maxBatchSize()).contains(2);
    }

    @Test
    void jsonFileIsFound() {
      TestRepos.write(dir.resolve("config.json"), "{\"max_batch_size\": 3}");
      assertThat(ModelConfigParser.configFile(dir)).contains(dir.resolve("config.json"));
      assertThat(parser.read("m", dir).maxBatchSize()).contains(3);
    }

    @Test
    void noFileIsEmpty() {
      assertThat(ModelConfigParser.configFile(dir)).isEmpty();
    }

    @Test
    void bothYamlAndJsonAreRejected() {
      TestRepos.write(dir.resolve("config.yaml"), "max_batch_size: 2\n");
      TestRepos.write(dir.resolve("config.json"), "{}");
      assertThatThrownBy(() -> parser.read("m", dir))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("both config.yaml and config.json are present");
    }

    @Test
    void pbtxtWithoutAReaderIsRejectedWithAHint() {
      TestRepos.write(dir.resolve("config.pbtxt"), "max_batch_size: 8\n");
      assertThatThrownBy(() -> parser.read("m", dir))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining("config.pbtxt (protobuf text) cannot be read here")
          .hasMessageContaining("config.yaml");
    }

    @Test
    void pbtxtIsReadWithTheServersReader() {
      TestRepos.write(dir.resolve("config.pbtxt"), "max_batch_size: 8\n");
      ModelConfigParser withReader =
          new ModelConfigParser(
              text -> {
                assertThat(text).isEqualTo("max_batch_size: 8\n");
                return tools.jackson.databind.node.JsonNodeFactory.instance
                    .objectNode()
                    .put("max_batch_size", 8);
              });
      assertThat(ModelConfigParser.configFile(dir)).contains(dir.resolve("config.pbtxt"));
      assertThat(withReader.read("m", dir).maxBatchSize()).contains(8);
    }

    @Test
    void pbtxtUnsupportedKeysAreNamedAsFields() {
      ModelConfigParser withReader =
          new ModelConfigParser(
              text ->
                  tools.jackson.databind.node.JsonNodeFactory.instance
                      .objectNode()
                      .put("metric_tags", "x"));
      assertThatThrownBy(
              () -> withReader.parse("m", "", ModelConfigParser.Format.PBTXT, "config.pbtxt"))
          .hasMessage("config.pbtxt: field 'metric_tags' is not supported by this server");
    }

    @Test
    void pbtxtNextToYamlIsIgnored() {
      TestRepos.write(dir.resolve("config.pbtxt"), "this is not read");
      TestRepos.write(dir.resolve("config.yaml"), "max_batch_size: 5\n");
      assertThat(parser.read("m", dir).maxBatchSize()).contains(5);
    }

    @Test
    void errorsNameTheFileRead() {
      TestRepos.write(dir.resolve("config.json"), "{\"bogus\": 1}");
      assertThatThrownBy(() -> parser.read("m", dir))
          .isInstanceOf(ModelConfigException.class)
          .hasMessageStartingWith("config.json: ")
          .hasMessageContaining("unknown key 'bogus'");
    }

    @Test
    void aFolderNamedLikeTheConfigIsNotAConfig() {
      TestRepos.mkdirs(dir.resolve("config.yaml"));
      assertThat(ModelConfigParser.configFile(dir)).isEmpty();
    }
  }
}
