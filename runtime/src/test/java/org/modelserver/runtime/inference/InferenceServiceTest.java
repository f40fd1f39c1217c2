package org.modelserver.runtime.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.modelserver.runtime.config.ConfigCompleter;
import org.modelserver.runtime.engine.Engines;
import org.modelserver.runtime.engine.onnx.OnnxEngine;
import org.modelserver.runtime.engine.torch.TorchTestEngine;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.registry.ModelLoader;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.repository.ModelRepository;
import org.modelserver.runtime.repository.ModelSource;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.runtime.testsupport.ReferenceCase;
import org.modelserver.runtime.testsupport.TensorAssertions;
import org.modelserver.runtime.testsupport.TestRepos;

/** The whole inference path on the real example repository, loaded once and only read. */
class InferenceServiceTest {
  private static final int DEFAULT_MAX_BATCH = 8;
  private static final Engines ENGINES =
      new Engines(List.of(new OnnxEngine(), TorchTestEngine.get()));

  private static ModelRegistry registry;
  private static InferenceService service;

  @BeforeAll
  static void loadRepository() {
    registry = loadRegistry(TestRepos.modelRepo());
    service = new InferenceService(registry);
  }

  @AfterAll
  static void closeRegistry() {
    registry.close();
  }

  private static ModelRegistry loadRegistry(Path root) {
    ModelLoader loader = new ModelLoader(ENGINES, new ConfigCompleter(DEFAULT_MAX_BATCH), 0);
    ModelRegistry loaded = new ModelRegistry();
    for (ModelSource source : new ModelRepository(root).scan()) {
      loaded.put(loader.load(source));
    }
    return loaded;
  }

  static List<ReferenceCase> cases() {
    return ReferenceCase.loadAll();
  }

  private static InferenceRequest request(
      String model, Optional<Long> version, Map<String, Tensor> inputs, List<String> outputs) {
    return new InferenceRequest(model, version, "req-1", inputs, outputs, Map.of());
  }

  private static InferenceResponse success(InferenceRequest request) {
    return service.infer(request).join();
  }

  private static ServingException failure(CompletableFuture<InferenceResponse> future) {
    // A model with a queue delay answers a little later: wait for the outcome.
    Throwable thrown = catchThrowable(future::join);
    assertThat(thrown).isInstanceOf(CompletionException.class);
    assertThat(thrown.getCause()).isInstanceOf(ServingException.class);
    return (ServingException) thrown.getCause();
  }

  private static ServingException failure(InferenceRequest request) {
    return failure(service.infer(request));
  }

  private static Map<String, Tensor> features(int rows) {
    return Map.of("features", Tensor.ofFloats(new long[] {rows, 4}, new float[rows * 4]));
  }

  private static Map<String, Tensor> mixedInputs(long xRows, long kRows) {
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    inputs.put("x", Tensor.ofFloats(new long[] {xRows, 4}, new float[(int) xRows * 4]));
    inputs.put("k", Tensor.ofLongs(new long[] {kRows, 4}, new long[(int) kRows * 4]));
    return inputs;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void referenceCasesMatchPyTorch(ReferenceCase reference) {
    InferenceResponse response =
        success(
            new InferenceRequest(
                reference.model(),
                Optional.of(reference.version()),
                reference.id(),
                reference.inputs(),
                List.of(),
                Map.of()));
    assertThat(response.modelName()).isEqualTo(reference.model());
    assertThat(response.modelVersion()).isEqualTo(reference.version());
    assertThat(response.id()).isEqualTo(reference.id());
    assertThat(response.outputs().keySet()).containsExactlyElementsOf(reference.outputs().keySet());
    TensorAssertions.assertSameTensors(response.outputs(), reference.outputs());
  }

  @Test
  void defaultVersionIsTheNewest() {
    ReferenceCase v2 = ReferenceCase.load("classifier").get(1);
    assertThat(v2.version()).isEqualTo(2L);
    InferenceResponse response =
        success(request("classifier", Optional.empty(), v2.inputs(), List.of()));
    assertThat(response.modelVersion()).isEqualTo(2L);
    TensorAssertions.assertSameTensors(response.outputs(), v2.outputs());
  }

  @Test
  void explicitVersionIsServedByThatVersion() {
    ReferenceCase v1 = ReferenceCase.load("classifier").get(0);
    InferenceResponse response =
        success(request("classifier", Optional.of(1L), v1.inputs(), List.of()));
    assertThat(response.modelVersion()).isEqualTo(1L);
    TensorAssertions.assertSameTensors(response.outputs(), v1.outputs());
  }

  @Test
  void requestWithoutIdAnswersWithoutId() {
    InferenceResponse response =
        success(
            new InferenceRequest(
                "classifier", Optional.empty(), null, features(1), List.of(), Map.of()));
    assertThat(response.id()).isNull();
  }

  @Test
  void outputsComeInTheOrderAsked() {
    ReferenceCase reference = ReferenceCase.load("mixed_io").get(0);
    InferenceResponse response =
        success(
            request("mixed_io", Optional.empty(), reference.inputs(), List.of("index", "scaled")));
    assertThat(response.outputs().keySet()).containsExactly("index", "scaled");
    TensorAssertions.assertSameTensors(response.outputs(), reference.outputs());
  }

  @Test
  void noRequestedOutputsMeansEveryOutputInModelOrder() {
    ReferenceCase reference = ReferenceCase.load("mixed_io").get(0);
    InferenceResponse response =
        success(request("mixed_io", Optional.empty(), reference.inputs(), List.of()));
    assertThat(response.outputs().keySet()).containsExactly("scaled", "index");
  }

  @Test
  void onlyTheRequestedOutputsAreReturned() {
    ReferenceCase reference = ReferenceCase.load("mixed_io").get(0);
    InferenceResponse response =
        success(request("mixed_io", Optional.empty(), reference.inputs(), List.of("index")));
    assertThat(response.outputs()).containsOnlyKeys("index");
    TensorAssertions.assertSameTensor(
        "index", response.outputs().get("index"), reference.outputs().get("index"));
  }

  @Test
  void batchOfExactlyMaxBatchSizeIsServed() {
    InferenceResponse response =
        success(request("classifier", Optional.empty(), features(32), List.of()));
    assertThat(response.outputs().get("probabilities").shape()).containsExactly(32, 3);
  }

  @Test
  void unknownModelIsNotFound() {
    ServingException e = failure(request("nope", Optional.empty(), features(1), List.of()));
    assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND);
    assertThat(e).hasMessageContaining("unknown model 'nope'");
  }

  @Test
  void unknownVersionIsNotFound() {
    ServingException e = failure(request("classifier", Optional.of(3L), features(1), List.of()));
    assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND);
    assertThat(e).hasMessageContaining("has no version 3");
  }

  @Test
  void unknownInputIsAnInvalidArgument() {
    Map<String, Tensor> inputs = new LinkedHashMap<>(features(1));
    inputs.put("extra", Tensor.ofFloats(new long[] {1}, 1f));
    ServingException e = failure(request("classifier", Optional.empty(), inputs, List.of()));
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(e).hasMessageContaining("unknown input 'extra' for model 'classifier'");
  }

  @Test
  void missingInputIsAnInvalidArgument() {
    Map<String, Tensor> inputs = mixedInputs(1, 1);
    inputs.remove("k");
    ServingException e = failure(request("mixed_io", Optional.empty(), inputs, List.of()));
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(e).hasMessageContaining("missing input 'k' for model 'mixed_io'");
  }

  @Test
  void wrongDatatypeIsAnInvalidArgument() {
    Tensor doubles = Tensor.of(DataType.FP64, new long[] {1, 4}, Tensor.allocate(DataType.FP64, 4));
    ServingException e =
        failure(request("classifier", Optional.empty(), Map.of("features", doubles), List.of()));
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(e)
        .hasMessageContaining("input 'features' has datatype FP64 but the model expects FP32");
  }

  @Test
  void wrongShapeIsAnInvalidArgument() {
    Tensor five = Tensor.ofFloats(new long[] {2, 5}, new float[10]);
    ServingException e =
        failure(request("classifier", Optional.empty(), Map.of("features", five), List.of()));
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(e)
        .hasMessageContaining("input 'features' has shape [2,5] but the model expects [-1,4]");
  }

  @Test
  void batchAboveMaxBatchSizeIsAnInvalidArgument() {
    ServingException e = failure(request("classifier", Optional.empty(), features(33), List.of()));
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(e).hasMessageContaining("batch size 33, more than the model's max_batch_size 32");
  }

  @Test
  void tokenEmbedBatchAboveSixteenIsAnInvalidArgument() {
    Tensor ids = Tensor.ofLongs(new long[] {17, 2}, new long[34]);
    ServingException e =
        failure(request("token_embed", Optional.empty(), Map.of("token_ids", ids), List.of()));
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(e).hasMessageContaining("max_batch_size 16");
  }

  @Test
  void autocompletedMaxBatchSizeIsEnforced() {
    ServingException e =
        failure(request("mixed_io", Optional.empty(), mixedInputs(9, 9), List.of()));
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(e).hasMessageContaining("max_batch_size " + DEFAULT_MAX_BATCH);
  }

  @Test
  void batchMismatchAcrossInputsIsAnInvalidArgument() {
    ServingException e =
        failure(request("mixed_io", Optional.empty(), mixedInputs(2, 3), List.of()));
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(e)
        .hasMessageContaining("inputs disagree on the batch size: 'x' has 2 but 'k' has 3");
  }

  @Test
  void unknownRequestedOutputIsAnInvalidArgument() {
    ServingException e =
        failure(request("mixed_io", Optional.empty(), mixedInputs(1, 1), List.of("nope")));
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(e).hasMessageContaining("unknown output 'nope' requested from model 'mixed_io'");
  }

  @Test
  void duplicateRequestedOutputIsAnInvalidArgument() {
    ServingException e =
        failure(
            request("mixed_io", Optional.empty(), mixedInputs(1, 1), List.of("scaled", "scaled")));
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(e).hasMessageContaining("output 'scaled' is requested twice");
  }

  @Test
  void tokenIdOutOfRangeIsAnInvalidArgumentFromTheEngine() {
    Tensor ids = Tensor.ofLongs(new long[] {1, 2}, 3, 200);
    ServingException e =
        failure(request("token_embed", Optional.empty(), Map.of("token_ids", ids), List.of()));
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(e).hasMessageContaining("the model rejected the input");
  }

  @Test
  void stringsRoundTripThroughTheService() {
    ReferenceCase reference = ReferenceCase.load("identity_types").get(0);
    InferenceResponse response =
        success(
            request("identity_types", Optional.empty(), reference.inputs(), List.of("bytes_out")));
    assertThat(response.outputs().get("bytes_out").bytesElements())
        .isDeepEqualTo(reference.outputs().get("bytes_out").bytesElements());
    assertThat(
            new String(
                response.outputs().get("bytes_out").bytesElements()[3], StandardCharsets.UTF_8))
        .isEqualTo("日本語");
  }

  @Test
  void versionThatFailedToLoadIsUnavailableAndTheDefaultFallsBack(@TempDir Path root) {
    TestRepos.copyModel("classifier", root);
    TestRepos.write(
        root.resolve("classifier/2/model.onnx"), "junk".getBytes(StandardCharsets.UTF_8));
    try (ModelRegistry broken = loadRegistry(root)) {
      InferenceService brokenService = new InferenceService(broken);
      ServingException e =
          failure(
              brokenService.infer(request("classifier", Optional.of(2L), features(1), List.of())));
      assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
      assertThat(e).hasMessageContaining("version 2 is not ready");

      ReferenceCase v1 = ReferenceCase.load("classifier").get(0);
      InferenceResponse response =
          brokenService
              .infer(request("classifier", Optional.empty(), v1.inputs(), List.of()))
              .join();
      assertThat(response.modelVersion()).isEqualTo(1L);
      TensorAssertions.assertSameTensors(response.outputs(), v1.outputs());
    }
  }

  @Test
  void modelWithoutReadyVersionIsUnavailable(@TempDir Path root) {
    TestRepos.copyModel("mixed_io", root);
    TestRepos.write(root.resolve("mixed_io/1/model.onnx"), new byte[] {0});
    try (ModelRegistry broken = loadRegistry(root)) {
      ServingException e =
          failure(
              new InferenceService(broken)
                  .infer(request("mixed_io", Optional.empty(), mixedInputs(1, 1), List.of())));
      assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
      assertThat(e).hasMessageContaining("model 'mixed_io' has no ready version");
    }
  }
}
