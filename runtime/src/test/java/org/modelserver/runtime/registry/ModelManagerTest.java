package org.modelserver.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.config.ConfigCompleter;
import org.modelserver.runtime.engine.Engines;
import org.modelserver.runtime.engine.onnx.OnnxEngine;
import org.modelserver.runtime.engine.torch.TorchTestEngine;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.inference.InferenceRequest;
import org.modelserver.runtime.inference.InferenceResponse;
import org.modelserver.runtime.inference.InferenceService;
import org.modelserver.runtime.repository.ModelRepository;
import org.modelserver.runtime.repository.UploadLimits;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.runtime.testsupport.TestRepos;

class ModelManagerTest {
  private static final Engines ENGINES =
      new Engines(List.of(new OnnxEngine(), TorchTestEngine.get()));
  private static final byte[] CORRUPT = {8, 1, 18, 3, 'b', 'a', 'd'};

  @TempDir Path root;

  private final ModelRegistry registry = new ModelRegistry();
  private ModelManager manager;

  @AfterEach
  void tearDown() {
    if (manager != null) {
      manager.close();
    }
    registry.close();
  }

  private ModelManager manager(ControlMode mode, String... load) {
    manager =
        new ModelManager(
            new ModelRepository(root),
            new ModelLoader(ENGINES, new ConfigCompleter(8), 1),
            registry,
            mode,
            new UploadLimits(64L << 20, 1000));
    manager.start(List.of(load));
    return manager;
  }

  /** A model "m" holding the example classifier's version 1 as its version 1, latest policy. */
  private Path latestOnlyClassifier() throws IOException {
    Path model = root.resolve("m");
    TestRepos.write(
        model.resolve("1/model.onnx"), Files.readAllBytes(TestRepos.modelFile("classifier", 1)));
    return model;
  }

  private static ServingException failure(Runnable call) {
    try {
      call.run();
    } catch (ServingException e) {
      return e;
    }
    throw new AssertionError("expected a ServingException");
  }

  private long defaultVersion(String name) {
    return registry.resolve(name, Optional.empty()).version();
  }

  private static InferenceRequest request(String model) {
    return new InferenceRequest(
        model,
        Optional.empty(),
        "",
        Map.of("features", Tensor.ofFloats(new long[] {1, 4}, 1, 2, 3, 4)),
        List.of(),
        Map.of(),
        Map.of());
  }

  @Test
  void explicitModeLoadsOnlyTheNamedModelsAndListsTheOthersAsNotLoaded() throws IOException {
    latestOnlyClassifier();
    TestRepos.copyModel("token_embed", root);
    manager(ControlMode.EXPLICIT, "m");
    assertThat(registry.find("m")).isPresent();
    assertThat(registry.find("token_embed")).isEmpty();
    assertThat(manager.index(false))
        .contains(new IndexEntry("token_embed", "", ModelState.UNAVAILABLE, "not loaded"))
        .contains(new IndexEntry("m", "1", ModelState.READY, ""));
  }

  @Test
  void explicitModeRefusesAnUnknownStartupModel() {
    assertThatThrownBy(() -> manager(ControlMode.EXPLICIT, "nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'nope'");
  }

  @Test
  void loadingANewVersionSwapsTheDefaultAndDrainsTheOldOne() throws IOException {
    Path model = latestOnlyClassifier();
    manager(ControlMode.EXPLICIT, "m");
    ModelVersion first = registry.resolve("m", Optional.empty());
    TestRepos.write(
        model.resolve("2/model.onnx"), Files.readAllBytes(TestRepos.modelFile("classifier", 2)));
    manager.load("m", Optional.empty(), Map.of());
    assertThat(defaultVersion("m")).isEqualTo(2);
    assertThat(first.scheduler().orElseThrow().isDraining()).isTrue();
    assertThat(registry.find("m").orElseThrow().versions().keySet()).containsExactly(2L);
  }

  @Test
  void reloadingWithoutChangesKeepsTheSameVersionObjects() throws IOException {
    latestOnlyClassifier();
    manager(ControlMode.EXPLICIT, "m");
    ModelVersion before = registry.resolve("m", Optional.empty());
    manager.load("m", Optional.empty(), Map.of());
    assertThat(registry.resolve("m", Optional.empty())).isSameAs(before);
    assertThat(before.scheduler().orElseThrow().isDraining()).isFalse();
  }

  @Test
  void aConfigOverrideReloadsTheVersionWithTheNewConfig() throws IOException {
    latestOnlyClassifier();
    manager(ControlMode.EXPLICIT, "m");
    ModelVersion before = registry.resolve("m", Optional.empty());
    manager.load(
        "m",
        Optional.of("{\"max_batch_size\": 8, \"instance_group\": [{\"count\": 2}]}"),
        Map.of());
    ModelVersion after = registry.resolve("m", Optional.empty());
    assertThat(after).isNotSameAs(before);
    assertThat(after.config().orElseThrow().maxBatchSize()).contains(8);
    assertThat(after.scheduler().orElseThrow().instanceCount()).isEqualTo(2);
    assertThat(before.scheduler().orElseThrow().isDraining()).isTrue();
  }

  @Test
  void aCorruptNewVersionLeavesTheServingOneServingInExplicitMode() throws IOException {
    Path model = latestOnlyClassifier();
    manager(ControlMode.EXPLICIT, "m");
    TestRepos.write(model.resolve("2/model.onnx"), CORRUPT);
    ServingException e = failure(() -> manager.load("m", Optional.empty(), Map.of()));
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(e.getMessage()).contains("version 2").contains("still serve");
    assertThat(defaultVersion("m")).isEqualTo(1);
    assertThat(manager.index(false))
        .anySatisfy(
            entry -> {
              assertThat(entry.version()).isEqualTo("2");
              assertThat(entry.state()).isEqualTo(ModelState.UNAVAILABLE);
              assertThat(entry.reason()).isNotEmpty();
            });
    assertThat(registry.allReady()).isTrue();
    InferenceService inference = new InferenceService(registry);
    assertThat(inference.infer(request("m")).join().modelVersion()).isEqualTo(1);
  }

  @Test
  void aCorruptReplacementOfTheServingVersionKeepsTheOldFilesServing() throws IOException {
    Path model = latestOnlyClassifier();
    manager(ControlMode.EXPLICIT, "m");
    ModelVersion before = registry.resolve("m", Optional.empty());
    Files.delete(model.resolve("1/model.onnx"));
    TestRepos.write(model.resolve("1/model.onnx"), CORRUPT);
    assertThat(failure(() -> manager.load("m", Optional.empty(), Map.of())).kind())
        .isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(registry.resolve("m", Optional.empty())).isSameAs(before);
    assertThat(manager.index(false).get(0).reason()).startsWith("still serving; reload failed");
  }

  @Test
  void aBrokenConfigLeavesTheServingVersionServing() throws IOException {
    Path model = latestOnlyClassifier();
    manager(ControlMode.EXPLICIT, "m");
    TestRepos.write(model.resolve("config.yaml"), "max_batch_size: [oops");
    assertThat(failure(() -> manager.load("m", Optional.empty(), Map.of())).getMessage())
        .contains("invalid config");
    assertThat(defaultVersion("m")).isEqualTo(1);
  }

  @Test
  void aCorruptVersionDroppedInPollModeLeavesTheServingOneServing() throws IOException {
    Path model = latestOnlyClassifier();
    manager(ControlMode.POLL);
    TestRepos.write(model.resolve("2/model.onnx"), CORRUPT);
    manager.poll();
    assertThat(defaultVersion("m")).isEqualTo(1);
    // A later good version replaces both.
    TestRepos.write(
        model.resolve("3/model.onnx"), Files.readAllBytes(TestRepos.modelFile("classifier", 2)));
    manager.poll();
    assertThat(defaultVersion("m")).isEqualTo(3);
    assertThat(registry.find("m").orElseThrow().versions().keySet()).containsExactly(3L);
  }

  @Test
  void pollModeLoadsNewModelsAndUnloadsRemovedOnes() throws IOException {
    latestOnlyClassifier();
    manager(ControlMode.POLL);
    ModelVersion first = registry.resolve("m", Optional.empty());
    TestRepos.copyModel("token_embed", root);
    manager.poll();
    assertThat(registry.find("token_embed")).isPresent();
    try (java.util.stream.Stream<Path> files = Files.walk(root.resolve("m"))) {
      for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
    manager.poll();
    assertThat(registry.find("m")).isEmpty();
    assertThat(first.scheduler().orElseThrow().isDraining()).isTrue();
  }

  @Test
  void aCorruptVersionAtStartInNoneModeLeavesTheOtherVersionsAndModelsServing() throws IOException {
    TestRepos.copyModel("classifier", root);
    TestRepos.copyModel("token_embed", root);
    Files.delete(root.resolve("classifier/2/model.onnx"));
    TestRepos.write(root.resolve("classifier/2/model.onnx"), CORRUPT);
    manager(ControlMode.NONE);
    assertThat(defaultVersion("classifier")).isEqualTo(1);
    assertThat(defaultVersion("token_embed")).isEqualTo(1);
  }

  @Test
  void loadAndUnloadAreRefusedOutsideExplicitMode() throws IOException {
    latestOnlyClassifier();
    manager(ControlMode.NONE);
    assertThat(failure(() -> manager.load("m", Optional.empty(), Map.of())).kind())
        .isEqualTo(ErrorKind.CONFLICT);
    assertThat(failure(() -> manager.unload("m")).getMessage())
        .contains("--model-control-mode=explicit");
    assertThat(defaultVersion("m")).isEqualTo(1);
  }

  @Test
  void unloadRefusesNewRequestsWith503AndFreesTheVersions() throws IOException {
    latestOnlyClassifier();
    manager(ControlMode.EXPLICIT, "m");
    ModelVersion version = registry.resolve("m", Optional.empty());
    manager.unload("m");
    assertThat(version.scheduler().orElseThrow().isDraining()).isTrue();
    ServingException e = failure(() -> registry.resolve("m", Optional.empty()));
    assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
    assertThat(e.getMessage()).contains("unloaded");
    assertThat(manager.index(false))
        .containsExactly(
            new IndexEntry(
                "m",
                "",
                ModelState.UNAVAILABLE,
                "unloaded by an operator; load it again to serve it"));
    assertThat(registry.allReady()).isTrue();
    manager.load("m", Optional.empty(), Map.of());
    assertThat(defaultVersion("m")).isEqualTo(1);
  }

  @Test
  void pinAndUnpinChooseTheDefaultVersion() {
    TestRepos.copyModel("classifier", root);
    manager(ControlMode.EXPLICIT, "classifier");
    assertThat(defaultVersion("classifier")).isEqualTo(2);
    manager.pin("classifier", 1);
    assertThat(defaultVersion("classifier")).isEqualTo(1);
    // The pin survives a reload.
    manager.load("classifier", Optional.empty(), Map.of());
    assertThat(defaultVersion("classifier")).isEqualTo(1);
    manager.unpin("classifier");
    assertThat(defaultVersion("classifier")).isEqualTo(2);
    assertThat(failure(() -> manager.pin("classifier", 7)).kind()).isEqualTo(ErrorKind.NOT_FOUND);
  }

  @Test
  void loadWithFilesCreatesAVersionAndTakesItBackOutWhenItDoesNotLoad() throws IOException {
    Path model = latestOnlyClassifier();
    manager(ControlMode.EXPLICIT, "m");
    manager.load(
        "m",
        Optional.empty(),
        Map.of("2/model.onnx", Files.readAllBytes(TestRepos.modelFile("classifier", 2))));
    assertThat(defaultVersion("m")).isEqualTo(2);
    assertThat(model.resolve("2/model.onnx")).exists();
    assertThat(
            failure(() -> manager.load("m", Optional.empty(), Map.of("3/model.onnx", CORRUPT)))
                .getMessage())
        .contains("taken back out");
    assertThat(model.resolve("3")).doesNotExist();
    assertThat(defaultVersion("m")).isEqualTo(2);
  }

  @Test
  void invalidNamesAreRefused() {
    manager(ControlMode.EXPLICIT);
    for (String name : List.of("../etc", ".hidden", "a/b", "", "-x")) {
      assertThat(failure(() -> manager.load(name, Optional.empty(), Map.of())).kind())
          .as(name)
          .isEqualTo(ErrorKind.INVALID_ARGUMENT);
    }
  }

  @Test
  void requestsAdmittedBeforeASwapFinishOnTheOldVersion() throws Exception {
    Path model = latestOnlyClassifier();
    TestRepos.write(
        model.resolve("config.yaml"),
        "max_batch_size: 8\ndynamic_batching: {max_queue_delay_microseconds: 2000000}\n");
    manager(ControlMode.EXPLICIT, "m");
    InferenceService inference = new InferenceService(registry);
    // Waits in the queue for up to 2 s: the swap happens while it is queued.
    CompletableFuture<InferenceResponse> queued = inference.infer(request("m"));
    TestRepos.write(
        model.resolve("2/model.onnx"), Files.readAllBytes(TestRepos.modelFile("classifier", 2)));
    manager.load("m", Optional.empty(), Map.of());
    assertThat(queued.get().modelVersion()).isEqualTo(1);
    assertThat(inference.infer(request("m")).get().modelVersion()).isEqualTo(2);
  }

  @Test
  void pinningAVersionThePolicyDidNotSelectLoadsItAndUnpinningDrainsIt() throws IOException {
    Path model = latestOnlyClassifier();
    TestRepos.write(
        model.resolve("2/model.onnx"), Files.readAllBytes(TestRepos.modelFile("classifier", 2)));
    manager(ControlMode.NONE);
    assertThat(registry.find("m").orElseThrow().versions().keySet()).containsExactly(2L);
    manager.pin("m", 1);
    assertThat(defaultVersion("m")).isEqualTo(1);
    assertThat(registry.find("m").orElseThrow().versions().keySet()).containsExactly(1L, 2L);
    ModelVersion one = registry.resolve("m", Optional.of(1L));
    manager.unpin("m");
    assertThat(defaultVersion("m")).isEqualTo(2);
    assertThat(one.scheduler().orElseThrow().isDraining()).isTrue();
    assertThat(failure(() -> manager.pin("m", 5)).getMessage())
        .contains("version folders are [1, 2]");
  }

  @Test
  void publishWithoutPromotionLoadsTheNewVersionBesideTheServingDefault() throws IOException {
    latestOnlyClassifier();
    manager(ControlMode.NONE);
    Path built = root.resolve("built.onnx");
    Files.write(built, Files.readAllBytes(TestRepos.modelFile("classifier", 2)));
    long number = manager.publish("m", Map.of("model.onnx", built, "training.json", built), false);
    assertThat(number).isEqualTo(2);
    assertThat(defaultVersion("m")).isEqualTo(1);
    assertThat(registry.resolve("m", Optional.of(2L)).isReady()).isTrue();
    assertThat(root.resolve("m/2/training.json")).exists();
    long promoted = manager.publish("m", Map.of("model.onnx", built), true);
    assertThat(promoted).isEqualTo(3);
    assertThat(defaultVersion("m")).isEqualTo(3);
  }

  @Test
  void aPublishedVersionThatDoesNotLoadLeavesNothingBehind() throws IOException {
    Path model = latestOnlyClassifier();
    manager(ControlMode.NONE);
    Path broken = root.resolve("broken.onnx");
    Files.write(broken, CORRUPT);
    assertThat(failure(() -> manager.publish("m", Map.of("model.onnx", broken), true)).kind())
        .isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(model.resolve("2")).doesNotExist();
    assertThat(defaultVersion("m")).isEqualTo(1);
  }

  @Test
  void anUploadIsKeptWhenOnlyAVersionAlreadyOnDiskFailsToLoad() throws IOException {
    TestRepos.copyModel("classifier", root);
    Files.delete(root.resolve("classifier/1/model.onnx"));
    TestRepos.write(root.resolve("classifier/1/model.onnx"), CORRUPT);
    manager(ControlMode.EXPLICIT, "classifier");
    java.io.ByteArrayOutputStream zip = new java.io.ByteArrayOutputStream();
    try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(zip)) {
      out.putNextEntry(new java.util.zip.ZipEntry("3/model.onnx"));
      out.write(Files.readAllBytes(TestRepos.modelFile("classifier", 2)));
      out.closeEntry();
    }
    List<IndexEntry> rows =
        manager.upload("classifier", new java.io.ByteArrayInputStream(zip.toByteArray()));
    assertThat(rows).anySatisfy(row -> assertThat(row.version()).isEqualTo("3"));
    assertThat(root.resolve("classifier/3/model.onnx")).exists();
    assertThat(defaultVersion("classifier")).isEqualTo(3);
    assertThat(failure(() -> manager.load("classifier", Optional.empty(), Map.of())).getMessage())
        .contains("version 1");
  }

  @Test
  void aPollThatScannedBeforeAnUploadDoesNotUndoIt() throws Exception {
    TestRepos.copyModel("classifier", root);
    ModelRepository repository = new ModelRepository(root);
    java.util.concurrent.CountDownLatch scanned = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch resume = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean pauseNext =
        new java.util.concurrent.atomic.AtomicBoolean();
    manager =
        new ModelManager(
            repository,
            new ModelLoader(ENGINES, new ConfigCompleter(8), 1),
            registry,
            ControlMode.POLL,
            new UploadLimits(64L << 20, 1000),
            () -> {
              List<org.modelserver.runtime.repository.ModelSource> sources = repository.scan();
              if (pauseNext.getAndSet(false)) {
                // The scan is taken; an upload now races the poll that took it.
                scanned.countDown();
                try {
                  resume.await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              return sources;
            });
    manager.start(List.of());
    java.io.ByteArrayOutputStream zip = new java.io.ByteArrayOutputStream();
    try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(zip)) {
      out.putNextEntry(new java.util.zip.ZipEntry("3/model.onnx"));
      out.write(Files.readAllBytes(TestRepos.modelFile("classifier", 2)));
      out.closeEntry();
    }
    pauseNext.set(true);
    CompletableFuture<Void> poll = CompletableFuture.runAsync(manager::poll);
    assertThat(scanned.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    CompletableFuture<List<IndexEntry>> upload =
        CompletableFuture.supplyAsync(
            () ->
                manager.upload("classifier", new java.io.ByteArrayInputStream(zip.toByteArray())));
    // Give the upload its chance to overtake the paused poll (it cannot when polls scan under
    // the manager's lock); the outcome below does not depend on how long this is.
    try {
      upload.get(2, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      // Waiting for the poll, as it should.
    }
    resume.countDown();
    poll.get(60, java.util.concurrent.TimeUnit.SECONDS);
    upload.get(60, java.util.concurrent.TimeUnit.SECONDS);

    assertThat(root.resolve("classifier/3/model.onnx")).exists();
    assertThat(defaultVersion("classifier")).isEqualTo(3);
  }
}
