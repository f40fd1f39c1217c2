package org.modelserver.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.config.ConfigCompleter;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.Engines;
import org.modelserver.runtime.engine.onnx.OnnxEngine;
import org.modelserver.runtime.engine.torch.TorchTestEngine;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.repository.ModelRepository;
import org.modelserver.runtime.testsupport.ReferenceCase;
import org.modelserver.runtime.testsupport.TestRepos;

class ModelRegistryTest {
  private static final Engines ENGINES =
      new Engines(List.of(new OnnxEngine(), TorchTestEngine.get()));

  @TempDir Path root;

  private ModelRegistry registry;
  private ModelLoader loader;

  @BeforeEach
  void setUp() {
    registry = new ModelRegistry();
    loader = new ModelLoader(ENGINES, new ConfigCompleter(8), 0);
  }

  @AfterEach
  void tearDown() {
    registry.close();
  }

  private Model load(String name) {
    return loader.load(new ModelRepository(root).find(name).orElseThrow());
  }

  /** classifier (versions 1 and 2, both READY) and token_embed, loaded from a copy. */
  private void putRealModels() {
    TestRepos.copyModel("classifier", root);
    TestRepos.copyModel("token_embed", root);
    registry.put(load("classifier"));
    registry.put(load("token_embed"));
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> failsWith(
      ErrorKind kind, Runnable call) {
    return assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(ServingException.class, e -> assertThat(e.kind()).isEqualTo(kind));
  }

  @Test
  void resolvesAnExplicitVersion() {
    putRealModels();
    ModelVersion version = registry.resolve("classifier", Optional.of(1L));
    assertThat(version.modelName()).isEqualTo("classifier");
    assertThat(version.version()).isEqualTo(1L);
    assertThat(version.isReady()).isTrue();
  }

  @Test
  void defaultVersionIsTheNewestReadyOne() {
    putRealModels();
    assertThat(registry.resolve("classifier", Optional.empty()).version()).isEqualTo(2L);
    assertThat(registry.resolve("token_embed", Optional.empty()).version()).isEqualTo(1L);
  }

  @Test
  void defaultVersionSkipsAVersionThatFailedToLoad() {
    TestRepos.copyModel("classifier", root);
    TestRepos.write(
        root.resolve("classifier/2/model.onnx"), "junk".getBytes(StandardCharsets.UTF_8));
    registry.put(load("classifier"));
    assertThat(registry.resolve("classifier", Optional.empty()).version()).isEqualTo(1L);
  }

  @Test
  void unknownModelIsNotFound() {
    putRealModels();
    failsWith(ErrorKind.NOT_FOUND, () -> registry.resolve("nope", Optional.empty()))
        .hasMessageContaining("unknown model 'nope'");
    failsWith(ErrorKind.NOT_FOUND, () -> registry.resolve("nope", Optional.of(1L)));
  }

  @Test
  void unknownVersionIsNotFound() {
    putRealModels();
    failsWith(ErrorKind.NOT_FOUND, () -> registry.resolve("classifier", Optional.of(7L)))
        .hasMessageContaining("model 'classifier' has no version 7")
        .hasMessageContaining("[1, 2]");
  }

  @Test
  void versionNotSelectedByThePolicyIsNotFound() {
    TestRepos.copyModel("classifier", root);
    TestRepos.write(root.resolve("classifier/config.yaml"), "platform: onnxruntime_onnx\n");
    registry.put(load("classifier"));
    failsWith(ErrorKind.NOT_FOUND, () -> registry.resolve("classifier", Optional.of(1L)))
        .hasMessageContaining("has no version 1")
        .hasMessageContaining("[2]");
  }

  @Test
  void versionThatFailedToLoadIsUnavailable() {
    TestRepos.copyModel("classifier", root);
    TestRepos.write(
        root.resolve("classifier/2/model.onnx"), "junk".getBytes(StandardCharsets.UTF_8));
    registry.put(load("classifier"));
    failsWith(ErrorKind.UNAVAILABLE, () -> registry.resolve("classifier", Optional.of(2L)))
        .hasMessageContaining("model 'classifier' version 2 is not ready")
        .hasMessageContaining("ONNX Runtime cannot load model.onnx");
  }

  @Test
  void modelWithNoReadyVersionIsUnavailableByDefault() {
    TestRepos.copyModel("token_embed", root);
    TestRepos.write(root.resolve("token_embed/config.yaml"), "bogus: true\n");
    registry.put(load("token_embed"));
    failsWith(ErrorKind.UNAVAILABLE, () -> registry.resolve("token_embed", Optional.empty()))
        .hasMessageContaining("model 'token_embed' has no ready version")
        .hasMessageContaining("unknown key 'bogus'");
    failsWith(ErrorKind.UNAVAILABLE, () -> registry.resolve("token_embed", Optional.of(1L)))
        .hasMessageContaining("unknown key 'bogus'");
  }

  @Test
  void modelWithoutVersionsIsUnavailable() {
    TestRepos.mkdirs(root.resolve("empty"));
    registry.put(load("empty"));
    failsWith(ErrorKind.UNAVAILABLE, () -> registry.resolve("empty", Optional.empty()))
        .hasMessageContaining("no version folders");
    failsWith(ErrorKind.NOT_FOUND, () -> registry.resolve("empty", Optional.of(1L)));
  }

  @Test
  void modelsAreListedByName() {
    TestRepos.mkdirs(root.resolve("zzz"));
    registry.put(load("zzz"));
    putRealModels();
    assertThat(registry.models())
        .extracting(Model::name)
        .containsExactly("classifier", "token_embed", "zzz");
    assertThat(registry.find("token_embed")).isPresent();
    assertThat(registry.find("other")).isEmpty();
  }

  @Test
  void allReadyWhenEveryModelIsFullyReady() {
    putRealModels();
    assertThat(registry.allReady()).isTrue();
  }

  @Test
  void notAllReadyWhenOneVersionFailed() {
    putRealModels();
    TestRepos.copyModelAs("mixed_io", "broken", root);
    TestRepos.write(root.resolve("broken/1/model.onnx"), new byte[] {1, 2, 3});
    registry.put(load("broken"));
    assertThat(registry.allReady()).isFalse();
  }

  @Test
  void emptyRegistryIsReady() {
    assertThat(registry.allReady()).isTrue();
    assertThat(registry.models()).isEmpty();
  }

  @Test
  void replacingAModelClosesTheOldSessions() {
    putRealModels();
    EngineSession old = registry.resolve("token_embed", Optional.empty()).session().orElseThrow();
    registry.put(load("token_embed"));
    ReferenceCase reference = ReferenceCase.load("token_embed").get(0);
    assertThatThrownBy(() -> old.execute(reference.inputs(), Set.of("embedding")))
        .isInstanceOf(RuntimeException.class);
    EngineSession current =
        registry.resolve("token_embed", Optional.empty()).session().orElseThrow();
    assertThat(current).isNotSameAs(old);
    assertThat(current.execute(reference.inputs(), Set.of("embedding"))).containsKey("embedding");
  }

  @Test
  void puttingTheSameModelAgainKeepsItOpen() {
    putRealModels();
    Model model = registry.find("token_embed").orElseThrow();
    registry.put(model);
    ReferenceCase reference = ReferenceCase.load("token_embed").get(0);
    EngineSession session =
        registry.resolve("token_embed", Optional.empty()).session().orElseThrow();
    assertThat(session.execute(reference.inputs(), Set.of("embedding"))).containsKey("embedding");
  }

  @Test
  void closingEmptiesTheRegistryAndMayBeRepeated() {
    putRealModels();
    registry.close();
    assertThat(registry.models()).isEmpty();
    assertThatCode(registry::close).doesNotThrowAnyException();
  }

  @Test
  void modelOfUnavailableVersionsOnlyHasNoDefault() {
    TreeMap<Long, ModelVersion> versions = new TreeMap<>();
    versions.put(1L, ModelVersion.unavailable("m", 1, "broken one"));
    versions.put(3L, ModelVersion.unavailable("m", 3, "broken three"));
    Model model = Model.of("m", versions);
    assertThat(model.defaultVersion()).isEmpty();
    assertThat(model.isReady()).isFalse();
    assertThat(model.problem()).isEmpty();
    assertThat(model.unavailableReason())
        .isEqualTo("version 1: broken one; version 3: broken three");
  }

  @Test
  void unavailableVersionDescribesItself() {
    ModelVersion version = ModelVersion.unavailable("m", 4, "why");
    assertThat(version.state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(version.isReady()).isFalse();
    assertThat(version).hasToString("m v4 UNAVAILABLE (why)");
    assertThatCode(version::close).doesNotThrowAnyException();
  }
}
