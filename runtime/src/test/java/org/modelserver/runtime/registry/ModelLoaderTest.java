package org.modelserver.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.config.ConfigCompleter;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.Platforms;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.config.VersionPolicy;
import org.modelserver.runtime.engine.Engines;
import org.modelserver.runtime.engine.onnx.OnnxEngine;
import org.modelserver.runtime.engine.torch.TorchTestEngine;
import org.modelserver.runtime.repository.ModelRepository;
import org.modelserver.runtime.repository.ModelSource;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.testsupport.TestRepos;
import org.modelserver.runtime.testsupport.TinyOnnx;

class ModelLoaderTest {
  private static final int DEFAULT_MAX_BATCH = 8;
  private static final Engines ENGINES = new Engines(List.of(new OnnxEngine()));

  /** Both engines, for loading the whole example repository (TorchScript models included). */
  private static final Engines BOTH_ENGINES =
      new Engines(List.of(new OnnxEngine(), TorchTestEngine.get()));

  private static final byte[] GARBAGE =
      "definitely not an onnx model".getBytes(StandardCharsets.UTF_8);

  private final List<Model> opened = new ArrayList<>();

  @TempDir Path root;

  @AfterEach
  void closeModels() {
    opened.forEach(Model::close);
  }

  private Map<String, Model> loadAll(Path repositoryRoot, int defaultMaxBatch) {
    ModelLoader loader = new ModelLoader(BOTH_ENGINES, new ConfigCompleter(defaultMaxBatch), 0);
    Map<String, Model> models = new LinkedHashMap<>();
    for (ModelSource source : new ModelRepository(repositoryRoot).scan()) {
      if (TestRepos.ENSEMBLES.contains(source.name())) {
        continue; // ensembles load through ModelManager, after their steps (EnsembleTest)
      }
      Model model = loader.load(source);
      opened.add(model);
      models.put(model.name(), model);
    }
    return models;
  }

  private Map<String, Model> loadAll(Path repositoryRoot) {
    return loadAll(repositoryRoot, DEFAULT_MAX_BATCH);
  }

  /** Loads the one model folder {@code name} under the temporary root. */
  private Model load(String name) {
    ModelLoader loader = new ModelLoader(ENGINES, new ConfigCompleter(DEFAULT_MAX_BATCH), 0);
    Model model = loader.load(new ModelRepository(root).find(name).orElseThrow());
    opened.add(model);
    return model;
  }

  private static ModelConfig config(ModelVersion version) {
    return version.config().orElseThrow();
  }

  private static TensorSpec spec(String name, DataType type, long... dims) {
    return new TensorSpec(name, type, dims);
  }

  private void writeConfig(String model, String yaml) {
    TestRepos.write(root.resolve(model).resolve("config.yaml"), yaml);
  }

  private static void assertUnavailable(Model model, String reasonPart) {
    assertThat(model.isReady()).isFalse();
    assertThat(model.isFullyReady()).isFalse();
    assertThat(model.versions()).isNotEmpty();
    assertThat(model.versions().values())
        .allSatisfy(
            version -> {
              assertThat(version.state()).isEqualTo(ModelState.UNAVAILABLE);
              assertThat(version.reason()).contains(reasonPart);
              assertThat(version.session()).isEmpty();
              assertThat(version.config()).isEmpty();
            });
    assertThat(model.unavailableReason()).contains(reasonPart);
  }

  @Nested
  class RealRepository {
    @Test
    void everyModelIsFullyReady() {
      Map<String, Model> models = loadAll(TestRepos.modelRepo());
      assertThat(models).containsOnlyKeys(TestRepos.EVERY_MODEL);
      assertThat(models.values())
          .allSatisfy(
              model -> {
                assertThat(model.isFullyReady()).as(model.unavailableReason()).isTrue();
                assertThat(model.problem()).isEmpty();
                assertThat(model.unavailableReason()).isEmpty();
              });
    }

    @Test
    void everyVersionIsReadyWithASessionAndACompleteConfig() {
      Map<String, Model> models = loadAll(TestRepos.modelRepo());
      for (Model model : models.values()) {
        assertThat(model.versions().values())
            .allSatisfy(
                version -> {
                  assertThat(version.state()).isEqualTo(ModelState.READY);
                  assertThat(version.reason()).isEmpty();
                  assertThat(version.session()).isPresent();
                  assertThat(config(version).platform())
                      .contains(
                          model.name().endsWith("_torch") || model.name().equals("classifier_head")
                              ? Platforms.TORCH
                              : Platforms.ONNX);
                  assertThat(config(version).maxBatchSize()).isPresent();
                  assertThat(config(version).inputs()).isNotEmpty();
                  assertThat(config(version).outputs()).isNotEmpty();
                });
      }
    }

    @Test
    void classifierHasVersionsOneAndTwo() {
      Model classifier = loadAll(TestRepos.modelRepo()).get("classifier");
      assertThat(classifier.versions().keySet()).containsExactly(1L, 2L);
      assertThat(classifier.defaultVersion()).get().extracting(ModelVersion::version).isEqualTo(2L);
    }

    @Test
    void classifierKeepsItsDeclaredConfig() {
      ModelConfig config =
          config(loadAll(TestRepos.modelRepo()).get("classifier").version(1).orElseThrow());
      assertThat(config.maxBatchSize()).contains(32);
      assertThat(config.inputs()).containsExactly(spec("features", DataType.FP32, 4));
      assertThat(config.outputs()).containsExactly(spec("probabilities", DataType.FP32, 3));
      assertThat(config.versionPolicy()).isEqualTo(new VersionPolicy.All());
    }

    @Test
    void tokenEmbedKeepsMaxBatchSize16AndGetsItsPlatformInferred() {
      Model tokenEmbed = loadAll(TestRepos.modelRepo()).get("token_embed");
      assertThat(tokenEmbed.versions().keySet()).containsExactly(1L);
      ModelConfig config = config(tokenEmbed.version(1).orElseThrow());
      assertThat(config.maxBatchSize()).contains(16);
      assertThat(config.platform()).contains(Platforms.ONNX);
      assertThat(config.inputs()).containsExactly(spec("token_ids", DataType.INT64, -1));
      assertThat(config.outputs()).containsExactly(spec("embedding", DataType.FP32, 8));
    }

    @Test
    void mixedIoIsAutocompletedWithTheDefaultMaxBatchSize() {
      ModelConfig config =
          config(loadAll(TestRepos.modelRepo()).get("mixed_io").version(1).orElseThrow());
      assertThat(config.maxBatchSize()).contains(DEFAULT_MAX_BATCH);
      assertThat(config.inputs())
          .containsExactly(spec("x", DataType.FP32, 4), spec("k", DataType.INT64, 4));
      assertThat(config.outputs())
          .containsExactly(spec("scaled", DataType.FP32, 4), spec("index", DataType.INT64, 1));
    }

    @Test
    void mixedIoFollowsAnotherDefaultMaxBatchSize() {
      ModelConfig config =
          config(loadAll(TestRepos.modelRepo(), 64).get("mixed_io").version(1).orElseThrow());
      assertThat(config.maxBatchSize()).contains(64);
    }

    @Test
    void zeroDefaultMaxBatchSizeLeavesAutocompletedModelsUnbatched() {
      Map<String, Model> models = loadAll(TestRepos.modelRepo(), 0);
      ModelConfig mixed = config(models.get("mixed_io").version(1).orElseThrow());
      assertThat(mixed.maxBatchSize()).contains(0);
      assertThat(mixed.input("x").orElseThrow().dims()).containsExactly(-1, 4);
      assertThat(config(models.get("classifier").version(2).orElseThrow()).maxBatchSize())
          .contains(32);
    }

    @Test
    void identityTypesIsAutocompletedWithEveryType() {
      ModelConfig config =
          config(loadAll(TestRepos.modelRepo()).get("identity_types").version(1).orElseThrow());
      assertThat(config.maxBatchSize()).contains(DEFAULT_MAX_BATCH);
      assertThat(config.inputs()).hasSize(9);
      assertThat(config.input("bytes_in")).contains(spec("bytes_in", DataType.BYTES, -1));
      assertThat(config.output("bool_out")).contains(spec("bool_out", DataType.BOOL, -1));
    }
  }

  @Nested
  class BrokenRepositories {
    @Test
    void corruptModelFileMakesItsModelUnavailableAndOthersStillLoad() {
      TestRepos.copyModel("classifier", root);
      TestRepos.copyModel("mixed_io", root);
      TestRepos.write(root.resolve("mixed_io/1/model.onnx"), GARBAGE);
      Map<String, Model> models = loadAll(root);
      assertUnavailable(models.get("mixed_io"), "ONNX Runtime cannot load model.onnx");
      assertThat(models.get("mixed_io").unavailableReason()).startsWith("version 1: ");
      assertThat(models.get("classifier").isFullyReady()).isTrue();
    }

    @Test
    void emptyModelFileIsUnavailable() {
      TestRepos.copyModel("mixed_io", root);
      TestRepos.write(root.resolve("mixed_io/1/model.onnx"), new byte[0]);
      assertUnavailable(load("mixed_io"), "ONNX Runtime cannot load model.onnx");
    }

    @Test
    void oneCorruptVersionLeavesTheOtherServing() {
      TestRepos.copyModel("classifier", root);
      TestRepos.write(root.resolve("classifier/2/model.onnx"), GARBAGE);
      Model classifier = load("classifier");
      assertThat(classifier.version(1).orElseThrow().isReady()).isTrue();
      assertThat(classifier.version(2).orElseThrow().state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(classifier.isReady()).isTrue();
      assertThat(classifier.isFullyReady()).isFalse();
      assertThat(classifier.defaultVersion()).get().extracting(ModelVersion::version).isEqualTo(1L);
      assertThat(classifier.problem()).isEmpty();
      assertThat(classifier.unavailableReason())
          .startsWith("version 2: ONNX Runtime cannot load model.onnx");
    }

    @Test
    void unknownConfigKeyMakesEveryVersionUnavailable() {
      TestRepos.copyModel("classifier", root);
      writeConfig("classifier", "platform: onnxruntime_onnx\nfoo: 1\nversion_policy: {all: {}}\n");
      Model classifier = load("classifier");
      assertUnavailable(classifier, "unknown key 'foo'");
      assertThat(classifier.problem()).startsWith("invalid config: config.yaml: unknown key 'foo'");
      assertThat(classifier.unavailableReason()).isEqualTo(classifier.problem());
      assertThat(classifier.versions().keySet()).containsExactly(1L, 2L);
    }

    @Test
    void unsupportedTritonKeyIsAReadableReason() {
      TestRepos.copyModel("token_embed", root);
      writeConfig("token_embed", "max_batch_size: 16\nsequence_batching: {}\n");
      assertUnavailable(load("token_embed"), "'sequence_batching' is a Triton setting");
    }

    @Test
    void malformedConfigIsAReadableReason() {
      TestRepos.copyModel("token_embed", root);
      writeConfig("token_embed", "input: [\n");
      assertUnavailable(load("token_embed"), "config.yaml is not valid YAML");
    }

    @Test
    void wrongDataTypeIsAReadableReason() {
      TestRepos.copyModel("token_embed", root);
      writeConfig(
          "token_embed",
          """
          max_batch_size: 16
          input:
            - {name: token_ids, data_type: TYPE_INT32, dims: [-1]}
          """);
      assertUnavailable(
          load("token_embed"),
          "input 'token_ids' is declared TYPE_INT32 but the model has TYPE_INT64");
    }

    @Test
    void wrongDimsAreAReadableReason() {
      TestRepos.copyModel("classifier", root);
      writeConfig(
          "classifier",
          """
          max_batch_size: 32
          input:
            - {name: features, data_type: TYPE_FP32, dims: [5]}
          version_policy: {all: {}}
          """);
      assertUnavailable(
          load("classifier"),
          "input 'features' is declared with dims [5] but the model has [4] after its batch"
              + " dimension");
    }

    @Test
    void dimsWrittenWithTheBatchDimensionAreAReadableReason() {
      TestRepos.copyModel("classifier", root);
      writeConfig(
          "classifier",
          "max_batch_size: 4\ninput:\n  - {name: features, data_type: TYPE_FP32, dims: [-1, 4]}\n");
      assertUnavailable(load("classifier"), "declared with dims [-1,4] but the model has [4]");
    }

    @Test
    void undeclaredModelInputIsAReadableReason() {
      TestRepos.copyModel("mixed_io", root);
      writeConfig("mixed_io", "input:\n  - {name: x, data_type: TYPE_FP32, dims: [4]}\n");
      assertUnavailable(load("mixed_io"), "model input 'k' is not declared in the config");
    }

    @Test
    void declaredInputMissingFromTheModelIsAReadableReason() {
      TestRepos.copyModel("mixed_io", root);
      writeConfig(
          "mixed_io",
          """
          input:
            - {name: x, data_type: TYPE_FP32, dims: [4]}
            - {name: k, data_type: TYPE_INT64, dims: [4]}
            - {name: y, data_type: TYPE_FP32, dims: [4]}
          """);
      assertUnavailable(load("mixed_io"), "input 'y' is not in the model; its inputs are [");
    }

    @Test
    void declaredOutputMissingFromTheModelIsAReadableReason() {
      TestRepos.copyModel("token_embed", root);
      writeConfig("token_embed", "output:\n  - {name: logits, data_type: TYPE_FP32, dims: [8]}\n");
      assertUnavailable(
          load("token_embed"), "output 'logits' is not in the model; its outputs are [embedding]");
    }

    @Test
    void maxBatchSizeOnAModelWithoutBatchDimensionIsAReadableReason() {
      TestRepos.write(
          root.resolve("fixed/1/model.onnx"), TinyOnnx.identity("x", "y", TinyOnnx.FLOAT, 2L, 3L));
      writeConfig("fixed", "max_batch_size: 4\n");
      assertUnavailable(
          load("fixed"),
          "max_batch_size > 0 needs a variable first (batch) dimension, but model input 'x' has"
              + " shape [2,3]");
    }

    @Test
    void modelWithoutBatchDimensionIsAutocompletedUnbatched() {
      TestRepos.write(
          root.resolve("fixed/1/model.onnx"), TinyOnnx.identity("x", "y", TinyOnnx.FLOAT, 2L, 3L));
      Model fixed = load("fixed");
      assertThat(fixed.isFullyReady()).isTrue();
      ModelConfig config = config(fixed.version(1).orElseThrow());
      assertThat(config.maxBatchSize()).contains(0);
      assertThat(config.inputs()).containsExactly(spec("x", DataType.FP32, 2, 3));
    }

    @Test
    void elementTypeTheEngineCannotExchangeIsAReadableReason() {
      TestRepos.write(
          root.resolve("u16/1/model.onnx"), TinyOnnx.identity("x", "y", TinyOnnx.UINT16, "n"));
      assertUnavailable(load("u16"), "input 'x' has element type");
    }

    @Test
    void missingModelFileWithADeclaredPlatformIsAReadableReason() {
      TestRepos.mkdirs(root.resolve("m/1"));
      writeConfig("m", "platform: onnxruntime_onnx\n");
      assertUnavailable(load("m"), "model file model.onnx is missing");
    }

    @Test
    void missingModelFileWithoutPlatformIsAReadableReason() {
      TestRepos.mkdirs(root.resolve("m/1"));
      assertUnavailable(
          load("m"),
          "no model file in version folder 1: expected onnxruntime_onnx (model.onnx) or"
              + " pytorch_libtorch (model.pt)");
    }

    @Test
    void misnamedModelFileIsNotFound() {
      TestRepos.copyModel("mixed_io", root);
      TestRepos.write(root.resolve("mixed_io/1/mixed.onnx"), new byte[] {1});
      TestRepos.delete(root.resolve("mixed_io/1/model.onnx"));
      assertUnavailable(load("mixed_io"), "no model file in version folder 1");
    }

    @Test
    void defaultModelFilenameIsUsed() {
      TestRepos.copyModel("mixed_io", root);
      TestRepos.copyTree(
          root.resolve("mixed_io/1/model.onnx"), root.resolve("mixed_io/1/custom.onnx"));
      TestRepos.delete(root.resolve("mixed_io/1/model.onnx"));
      writeConfig("mixed_io", "platform: onnxruntime_onnx\ndefault_model_filename: custom.onnx\n");
      Model model = load("mixed_io");
      assertThat(model.isFullyReady()).as(model.unavailableReason()).isTrue();
      assertThat(config(model.version(1).orElseThrow()).defaultModelFilename())
          .contains("custom.onnx");
    }

    @Test
    void missingDefaultModelFilenameIsAReadableReason() {
      TestRepos.copyModel("mixed_io", root);
      writeConfig("mixed_io", "platform: onnxruntime_onnx\ndefault_model_filename: custom.onnx\n");
      assertUnavailable(load("mixed_io"), "model file custom.onnx is missing");
    }

    @Test
    void modelFolderWithoutVersionsHasAProblem() {
      TestRepos.mkdirs(root.resolve("empty"));
      Model empty = load("empty");
      assertThat(empty.versions()).isEmpty();
      assertThat(empty.isReady()).isFalse();
      assertThat(empty.isFullyReady()).isFalse();
      assertThat(empty.problem())
          .isEqualTo("no version folders: expected empty/<positive integer>/");
      assertThat(empty.unavailableReason()).isEqualTo(empty.problem());
    }

    @Test
    void modelFolderWithOnlyAConfigHasAProblem() {
      writeConfig("configured", "platform: onnxruntime_onnx\n");
      assertThat(load("configured").problem()).contains("no version folders");
    }

    @Test
    void bothYamlAndJsonConfigsAreAReadableReason() {
      TestRepos.copyModel("token_embed", root);
      TestRepos.write(root.resolve("token_embed/config.json"), "{\"max_batch_size\": 16}");
      assertUnavailable(load("token_embed"), "both config.yaml and config.json are present");
    }

    @Test
    void jsonConfigIsRead() {
      TestRepos.copyModel("mixed_io", root);
      TestRepos.write(root.resolve("mixed_io/config.json"), "{\"max_batch_size\": 2}");
      Model model = load("mixed_io");
      assertThat(config(model.version(1).orElseThrow()).maxBatchSize()).contains(2);
    }

    @Test
    void pbtxtConfigWithoutAReaderIsAReadableReason() {
      TestRepos.copyModel("mixed_io", root);
      TestRepos.write(root.resolve("mixed_io/config.pbtxt"), "max_batch_size: 8\n");
      assertUnavailable(load("mixed_io"), "config.pbtxt (protobuf text) cannot be read here");
    }

    @Test
    void nameMismatchIsAReadableReason() {
      TestRepos.copyModelAs("mixed_io", "renamed", root);
      writeConfig("renamed", "name: mixed_io\n");
      assertUnavailable(
          load("renamed"), "name 'mixed_io' does not match the model folder 'renamed'");
    }

    @Test
    void torchPlatformWithoutATorchEngineIsAReadableReason() {
      TestRepos.write(root.resolve("torch/1/model.pt"), GARBAGE);
      writeConfig("torch", "platform: pytorch_libtorch\n");
      assertUnavailable(load("torch"), "platform pytorch_libtorch is not available in this server");
    }

    @Test
    void torchPlatformIsInferredFromModelPt() {
      TestRepos.write(root.resolve("torch/1/model.pt"), GARBAGE);
      assertUnavailable(load("torch"), "platform pytorch_libtorch is not available in this server");
    }

    @Test
    void declaredPlatformPicksItsFileWhenBothArePresent() {
      TestRepos.copyModel("mixed_io", root);
      TestRepos.write(root.resolve("mixed_io/1/model.pt"), GARBAGE);
      writeConfig("mixed_io", "backend: onnxruntime\n");
      assertThat(load("mixed_io").isFullyReady()).isTrue();
    }

    @Test
    void bothModelFilesWithoutPlatformAreReportedAsAmbiguous() {
      TestRepos.copyModel("mixed_io", root);
      TestRepos.write(root.resolve("mixed_io/1/model.pt"), GARBAGE);
      Model model = load("mixed_io");
      assertThat(model.isReady()).isFalse();
      assertThat(model.unavailableReason())
          .doesNotContain("no model file")
          .contains("model.onnx")
          .contains("model.pt");
    }

    @Test
    void hugeSpecificVersionIsAReadableReasonNotAnException() {
      TestRepos.copyModel("mixed_io", root);
      writeConfig("mixed_io", "version_policy:\n  specific: {versions: [99999999999999999999]}\n");
      assertUnavailable(load("mixed_io"), "version_policy.specific.versions");
    }

    @Test
    void everyRealModelStillLoadsNextToBrokenOnes() {
      TestRepos.copyTree(TestRepos.modelRepo(), root);
      TestRepos.write(root.resolve("garbage/1/model.onnx"), GARBAGE);
      TestRepos.mkdirs(root.resolve("empty"));
      TestRepos.copyModelAs("classifier", "badconfig", root);
      writeConfig("badconfig", "max_batch_size: [1]\n");
      Map<String, Model> models = loadAll(root);
      assertThat(models)
          .containsOnlyKeys(
              "badconfig",
              "binary_classifier_torch",
              "classifier",
              "classifier_head",
              "classifier_torch",
              "empty",
              "feature_extractor",
              "garbage",
              "identity_half",
              "identity_types",
              "mixed_io",
              "mixed_io_torch",
              "regressor_torch",
              "token_embed",
              "token_embed_torch");
      for (String name : TestRepos.EVERY_MODEL) {
        assertThat(models.get(name).isFullyReady()).as(name).isTrue();
      }
      for (String name : List.of("badconfig", "empty", "garbage")) {
        assertThat(models.get(name).isReady()).as(name).isFalse();
        assertThat(models.get(name).unavailableReason()).as(name).isNotBlank();
      }
      assertThat(models.get("badconfig").problem()).contains("max_batch_size must be an integer");
    }
  }

  @Nested
  class VersionSelection {
    private Model classifierWith(String versionPolicy) {
      TestRepos.copyModel("classifier", root);
      writeConfig(
          "classifier", "platform: onnxruntime_onnx\nversion_policy: " + versionPolicy + "\n");
      return load("classifier");
    }

    @Test
    void noPolicyLoadsOnlyTheNewestVersion() {
      TestRepos.copyModel("classifier", root);
      writeConfig("classifier", "platform: onnxruntime_onnx\n");
      assertThat(load("classifier").versions().keySet()).containsExactly(2L);
    }

    @Test
    void latestOneLoadsOnlyTheNewestVersion() {
      Model model = classifierWith("{latest: {num_versions: 1}}");
      assertThat(model.versions().keySet()).containsExactly(2L);
      assertThat(model.isFullyReady()).isTrue();
    }

    @Test
    void latestMoreThanPresentLoadsAll() {
      assertThat(classifierWith("{latest: {num_versions: 5}}").versions().keySet())
          .containsExactly(1L, 2L);
    }

    @Test
    void allLoadsEveryVersion() {
      assertThat(classifierWith("{all: {}}").versions().keySet()).containsExactly(1L, 2L);
    }

    @Test
    void specificLoadsTheListedVersions() {
      Model model = classifierWith("{specific: {versions: [1]}}");
      assertThat(model.versions().keySet()).containsExactly(1L);
      assertThat(model.defaultVersion()).get().extracting(ModelVersion::version).isEqualTo(1L);
    }

    @Test
    void specificOfAbsentVersionsIsAProblem() {
      Model model = classifierWith("{specific: {versions: [3]}}");
      assertThat(model.isReady()).isFalse();
      assertThat(model.problem())
          .isEqualTo("version_policy selects none of the versions present [1, 2]");
      assertThat(model.versions().keySet()).containsExactly(1L, 2L);
      assertThat(model.versions().values()).noneMatch(ModelVersion::isReady);
    }

    @Test
    void foldersThatAreNotVersionsAreIgnored() {
      TestRepos.copyModel("classifier", root);
      for (String name : List.of("0", "01", "latest", "v3", ".3")) {
        TestRepos.copyTree(root.resolve("classifier/2"), root.resolve("classifier").resolve(name));
      }
      Model model = load("classifier");
      assertThat(model.versions().keySet()).containsExactly(1L, 2L);
      assertThat(model.isFullyReady()).isTrue();
    }

    @Test
    void newVersionFolderBecomesTheDefault() {
      TestRepos.copyModel("classifier", root);
      TestRepos.copyTree(root.resolve("classifier/1"), root.resolve("classifier/10"));
      Model model = load("classifier");
      assertThat(model.versions().keySet()).containsExactly(1L, 2L, 10L);
      assertThat(model.defaultVersion()).get().extracting(ModelVersion::version).isEqualTo(10L);
    }
  }
}
