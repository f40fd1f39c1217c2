package org.modelserver.runtime.engine.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.ModelConfigParser;
import org.modelserver.runtime.device.Device;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.LoadSpec;
import org.modelserver.runtime.engine.ModelLoadException;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.runtime.testsupport.ReferenceCase;
import org.modelserver.runtime.testsupport.TensorAssertions;
import org.modelserver.runtime.testsupport.TestRepos;

/** The libtorch engine on the real TorchScript example models. */
class TorchEngineTest {
  private static TorchEngine engine;

  @BeforeAll
  static void startEngine() {
    engine = TorchTestEngine.get();
  }

  @AfterAll
  static void noop() {
    // The engine is shared by the test JVM: libtorch starts once per process.
  }

  private static ModelConfig config(String model) {
    return new ModelConfigParser().read(model, TestRepos.modelDir(model));
  }

  private static EngineSession load(String model, long version) {
    return load(model, version, config(model));
  }

  private static EngineSession load(String model, long version, ModelConfig config) {
    Path file = TestRepos.modelDir(model).resolve(version + "/model.pt");
    return engine.load(new LoadSpec(model, version, file, config, Device.CPU, 1));
  }

  static Stream<ReferenceCase> torchReferenceCases() {
    return Stream.of("classifier_torch", "mixed_io_torch", "token_embed_torch")
        .flatMap(model -> ReferenceCase.load(model).stream());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("torchReferenceCases")
  void outputsEqualPyTorch(ReferenceCase reference) {
    try (EngineSession session = load(reference.model(), reference.version())) {
      Map<String, Tensor> outputs =
          session.execute(reference.inputs(), reference.outputs().keySet());
      TensorAssertions.assertSameTensors(outputs, reference.outputs());
    }
  }

  @Test
  void torchScriptCarriesNoSignature() {
    try (EngineSession session = load("classifier_torch", 1)) {
      assertThat(session.signature()).isEmpty();
    }
  }

  @Test
  void onlyTheRequestedOutputsAreReturned() {
    ReferenceCase reference = ReferenceCase.load("mixed_io_torch").get(0);
    try (EngineSession session = load("mixed_io_torch", 1)) {
      Map<String, Tensor> outputs = session.execute(reference.inputs(), Set.of("index"));
      assertThat(outputs).containsOnlyKeys("index");
      TensorAssertions.assertSameTensor(
          "index", outputs.get("index"), reference.outputs().get("index"));
    }
  }

  @Test
  void missingDeclarationsSayWhatToAdd() {
    ModelConfig bare = ModelConfig.builder("classifier_torch").build();
    assertThatThrownBy(() -> load("classifier_torch", 1, bare))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("declare every input and output");
  }

  @Test
  void wrongOutputDeclarationIsALoadErrorNamingTheOutput() {
    ModelConfig wrong =
        new ModelConfigParser()
            .parse(
                "classifier_torch",
                "platform: pytorch_libtorch\nmax_batch_size: 8\n"
                    + "input: [{name: features, data_type: TYPE_FP32, dims: [4]}]\n"
                    + "output: [{name: probabilities, data_type: TYPE_FP32, dims: [5]}]\n",
                false,
                "config.yaml");
    assertThatThrownBy(() -> load("classifier_torch", 1, wrong))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("output 'probabilities'")
        .hasMessageContaining("dims [5]");
  }

  @Test
  void tooFewDeclaredOutputsIsALoadError() {
    ModelConfig wrong =
        new ModelConfigParser()
            .parse(
                "mixed_io_torch",
                "platform: pytorch_libtorch\nmax_batch_size: 4\n"
                    + "input: [{name: x, data_type: TYPE_FP32, dims: [4]},"
                    + " {name: k, data_type: TYPE_INT64, dims: [4]}]\n"
                    + "output: [{name: scaled, data_type: TYPE_FP32, dims: [4]}]\n",
                false,
                "config.yaml");
    assertThatThrownBy(() -> load("mixed_io_torch", 1, wrong))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("returned 2 tensors")
        .hasMessageContaining("declares 1");
  }

  @Test
  void stringTensorsAreRefused() {
    ModelConfig strings =
        new ModelConfigParser()
            .parse(
                "classifier_torch",
                "platform: pytorch_libtorch\n"
                    + "input: [{name: features, data_type: TYPE_STRING, dims: [4]}]\n"
                    + "output: [{name: probabilities, data_type: TYPE_FP32, dims: [3]}]\n",
                false,
                "config.yaml");
    assertThatThrownBy(() -> load("classifier_torch", 1, strings))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("TYPE_STRING");
  }

  @Test
  void corruptFileIsALoadError(@TempDir Path dir) {
    TestRepos.write(dir.resolve("1/model.pt"), "not a TorchScript archive");
    ModelConfig config = config("classifier_torch");
    assertThatThrownBy(
            () ->
                engine.load(
                    new LoadSpec("broken", 1, dir.resolve("1/model.pt"), config, Device.CPU, 1)))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("model.pt");
  }

  @Test
  void valuesTheModelRejectsAreInvalidArgument() {
    Tensor ids = Tensor.ofLongs(new long[] {1, 2}, 3, 200);
    try (EngineSession session = load("token_embed_torch", 1)) {
      assertThatThrownBy(() -> session.execute(Map.of("token_ids", ids), Set.of("embedding")))
          .isInstanceOfSatisfying(
              ServingException.class,
              e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
      // The session still serves after a rejected input.
      Tensor good = Tensor.ofLongs(new long[] {1, 2}, 3, 4);
      assertThat(session.execute(Map.of("token_ids", good), Set.of("embedding")))
          .containsKey("embedding");
    }
  }

  @Test
  void closingTwiceIsHarmlessAndAClosedSessionIsUnavailable() {
    EngineSession session = load("classifier_torch", 2);
    session.close();
    session.close();
    Tensor features = Tensor.ofFloats(new long[] {1, 4}, 1, 2, 3, 4);
    assertThatThrownBy(() -> session.execute(Map.of("features", features), Set.of("probabilities")))
        .isInstanceOfSatisfying(
            ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE));
  }
}
