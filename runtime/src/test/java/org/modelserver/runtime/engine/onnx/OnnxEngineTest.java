package org.modelserver.runtime.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.ModelSignature;
import org.modelserver.runtime.config.Platforms;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.device.Device;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.LoadSpec;
import org.modelserver.runtime.engine.ModelLoadException;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.runtime.testsupport.ReferenceCase;
import org.modelserver.runtime.testsupport.TensorAssertions;
import org.modelserver.runtime.testsupport.TestRepos;
import org.modelserver.runtime.testsupport.TinyOnnx;

class OnnxEngineTest {
  private static final OnnxEngine ENGINE = new OnnxEngine();

  @TempDir Path dir;

  private static LoadSpec spec(String model, Path file, Device device) {
    return new LoadSpec(model, 1, file, ModelConfig.builder(model).build(), device, 0);
  }

  private static EngineSession load(String model, long version) {
    return ENGINE.load(spec(model, TestRepos.modelFile(model, version), Device.CPU));
  }

  private EngineSession loadBytes(byte[] model) {
    Path file = dir.resolve("1/model.onnx");
    TestRepos.write(file, model);
    return ENGINE.load(spec("tiny", file, Device.CPU));
  }

  private static TensorSpec spec(String name, DataType type, long... shape) {
    return new TensorSpec(name, type, shape);
  }

  @Test
  void servesTheOnnxPlatform() {
    assertThat(ENGINE.platform()).isEqualTo(Platforms.ONNX);
  }

  @Test
  void classifierSignatureHasADynamicBatchDimension() {
    try (EngineSession session = load("classifier", 1)) {
      assertThat(session.signature())
          .contains(
              new ModelSignature(
                  List.of(spec("features", DataType.FP32, -1, 4)),
                  List.of(spec("probabilities", DataType.FP32, -1, 3))));
    }
  }

  @Test
  void mixedIoSignatureKeepsGraphOrderAndTypes() {
    try (EngineSession session = load("mixed_io", 1)) {
      ModelSignature signature = session.signature().orElseThrow();
      assertThat(signature.inputs())
          .containsExactly(spec("x", DataType.FP32, -1, 4), spec("k", DataType.INT64, -1, 4));
      assertThat(signature.outputs())
          .containsExactly(
              spec("scaled", DataType.FP32, -1, 4), spec("index", DataType.INT64, -1, 1));
    }
  }

  @Test
  void tokenEmbedSignatureHasTwoDynamicDimensions() {
    try (EngineSession session = load("token_embed", 1)) {
      ModelSignature signature = session.signature().orElseThrow();
      assertThat(signature.inputs()).containsExactly(spec("token_ids", DataType.INT64, -1, -1));
      assertThat(signature.outputs()).containsExactly(spec("embedding", DataType.FP32, -1, 8));
    }
  }

  @Test
  void identityTypesSignatureHasEveryType() {
    try (EngineSession session = load("identity_types", 1)) {
      ModelSignature signature = session.signature().orElseThrow();
      List<DataType> types =
          List.of(
              DataType.BOOL,
              DataType.UINT8,
              DataType.INT8,
              DataType.INT16,
              DataType.INT32,
              DataType.INT64,
              DataType.FP32,
              DataType.FP64,
              DataType.BYTES);
      assertThat(signature.inputs())
          .extracting(TensorSpec::dataType)
          .containsExactlyElementsOf(types);
      assertThat(signature.outputs())
          .extracting(TensorSpec::dataType)
          .containsExactlyElementsOf(types);
      assertThat(signature.inputs()).extracting(TensorSpec::name).contains("bool_in", "bytes_in");
      assertThat(signature.inputs()).allSatisfy(s -> assertThat(s.dims()).containsExactly(-1, -1));
    }
  }

  @Test
  void missingFileIsALoadFailure() {
    assertThatThrownBy(() -> ENGINE.load(spec("m", dir.resolve("model.onnx"), Device.CPU)))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("model file model.onnx is missing");
  }

  @Test
  void folderInsteadOfFileIsALoadFailure() {
    TestRepos.mkdirs(dir.resolve("model.onnx"));
    assertThatThrownBy(() -> ENGINE.load(spec("m", dir.resolve("model.onnx"), Device.CPU)))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("is missing");
  }

  @Test
  void garbageBytesAreALoadFailure() {
    Path file = dir.resolve("model.onnx");
    TestRepos.write(file, "this is not a protobuf".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> ENGINE.load(spec("m", file, Device.CPU)))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("ONNX Runtime cannot load model.onnx");
  }

  @Test
  void emptyFileIsALoadFailure() {
    Path file = dir.resolve("model.onnx");
    TestRepos.write(file, new byte[0]);
    assertThatThrownBy(() -> ENGINE.load(spec("m", file, Device.CPU)))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("ONNX Runtime cannot load model.onnx");
  }

  @Test
  void gpuDevicesAreRefused() {
    assertThatThrownBy(
            () -> ENGINE.load(spec("m", TestRepos.modelFile("classifier", 1), Device.gpu(0))))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("CPU only")
        .hasMessageContaining("cuda:0");
  }

  @Test
  void theCpuBuildSaysWhyItCannotUseCuda() {
    assertThat(ENGINE.cudaUnavailableReason())
        .hasValueSatisfying(
            reason -> assertThat(reason).contains("no CUDA execution provider").contains("-Pgpu"));
    assertThatThrownBy(
            () -> ENGINE.load(spec("m", TestRepos.modelFile("classifier", 1), Device.gpu(0))))
        .hasMessageContaining("no CUDA execution provider");
  }

  @Test
  void intraOpThreadCountIsAccepted() {
    LoadSpec spec =
        new LoadSpec(
            "classifier",
            1,
            TestRepos.modelFile("classifier", 1),
            ModelConfig.builder("classifier").build(),
            Device.CPU,
            1);
    try (EngineSession session = ENGINE.load(spec)) {
      assertThat(session.signature()).isPresent();
    }
  }

  @Test
  void elementTypesTheJavaApiCannotExchangeAreALoadFailure() {
    assertThatThrownBy(() -> loadBytes(TinyOnnx.identity("x", "y", TinyOnnx.UINT16, "n")))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("input 'x' has element type")
        .hasMessageContaining("cannot exchange");
  }

  @Test
  void nonTensorInputsAreALoadFailure() {
    assertThatThrownBy(() -> loadBytes(TinyOnnx.sequenceLength()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("input 'seq' is not a tensor")
        .hasMessageContaining("only tensor inputs and outputs can be served");
  }

  @Test
  void fixedShapeModelHasAFixedSignature() {
    try (EngineSession session = loadBytes(TinyOnnx.identity("x", "y", TinyOnnx.FLOAT, 2L, 3L))) {
      assertThat(session.signature())
          .contains(
              new ModelSignature(
                  List.of(spec("x", DataType.FP32, 2, 3)),
                  List.of(spec("y", DataType.FP32, 2, 3))));
      Tensor x = Tensor.ofFloats(new long[] {2, 3}, 1, 2, 3, 4, 5, 6);
      assertThat(session.execute(Map.of("x", x), Set.of("y")).get("y").floats())
          .containsExactly(1, 2, 3, 4, 5, 6);
    }
  }

  @Test
  void fp16TensorsPassThroughUnchanged() {
    try (EngineSession session = loadBytes(TinyOnnx.identity("x", "y", TinyOnnx.FLOAT16, "n"))) {
      assertThat(session.signature().orElseThrow().inputs())
          .containsExactly(spec("x", DataType.FP16, -1));
      short[] bits = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, 0x7C00};
      Tensor y = session.execute(Map.of("x", halves(DataType.FP16, bits)), Set.of("y")).get("y");
      assertThat(y.dataType()).isEqualTo(DataType.FP16);
      assertThat(shorts(y)).containsExactly(bits);
    }
  }

  @Test
  void bf16TensorsPassThroughUnchanged() {
    try (EngineSession session = loadBytes(TinyOnnx.identity("x", "y", TinyOnnx.BFLOAT16, "n"))) {
      short[] bits = {0x3F80, (short) 0xC000, 0x7F80, 0x0001};
      Tensor y = session.execute(Map.of("x", halves(DataType.BF16, bits)), Set.of("y")).get("y");
      assertThat(y.dataType()).isEqualTo(DataType.BF16);
      assertThat(shorts(y)).containsExactly(bits);
    }
  }

  private static Tensor halves(DataType type, short[] bits) {
    ByteBuffer buffer = Tensor.allocate(type, bits.length);
    buffer.asShortBuffer().put(bits);
    return Tensor.of(type, new long[] {bits.length}, buffer);
  }

  private static short[] shorts(Tensor tensor) {
    short[] values = new short[tensor.elementCount()];
    tensor.data().asShortBuffer().get(values);
    return values;
  }

  @Test
  void executeReturnsOnlyTheOutputsAsked() {
    ReferenceCase reference = ReferenceCase.load("mixed_io").get(0);
    try (EngineSession session = load("mixed_io", 1)) {
      Map<String, Tensor> outputs = session.execute(reference.inputs(), Set.of("index"));
      assertThat(outputs).containsOnlyKeys("index");
      TensorAssertions.assertSameTensor(
          "index", outputs.get("index"), reference.outputs().get("index"));
    }
  }

  @Test
  void heapBuffersAreAcceptedAsInputs() {
    ByteBuffer heap = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    heap.putFloat(1f).putFloat(2f).putFloat(-3f).putFloat(0.125f).flip();
    Tensor features = Tensor.of(DataType.FP32, new long[] {1, 4}, heap);
    ReferenceCase reference = ReferenceCase.load("classifier").get(2);
    assertThat(reference.id()).isEqualTo("classifier-v2-batch1");
    try (EngineSession session = load("classifier", 2)) {
      TensorAssertions.assertSameTensors(
          session.execute(Map.of("features", features), Set.of("probabilities")),
          reference.outputs());
    }
  }

  @Test
  void inputsAreNotModified() {
    ReferenceCase reference = ReferenceCase.load("classifier").get(0);
    Tensor features = reference.inputs().get("features");
    float[] before = features.floats();
    try (EngineSession session = load("classifier", 1)) {
      session.execute(reference.inputs(), Set.of("probabilities"));
    }
    assertThat(features.floats()).containsExactly(before);
  }

  @Test
  void outputsOutliveTheSession() {
    ReferenceCase reference = ReferenceCase.load("token_embed").get(0);
    Map<String, Tensor> outputs;
    try (EngineSession session = load("token_embed", 1)) {
      outputs = session.execute(reference.inputs(), Set.of("embedding"));
    }
    TensorAssertions.assertSameTensors(outputs, reference.outputs());
  }

  @ParameterizedTest
  @ValueSource(longs = {100, 200, -101, Long.MAX_VALUE})
  void tokenIdsOutOfRangeAreInvalidArguments(long badId) {
    Tensor ids = Tensor.ofLongs(new long[] {1, 3}, 1, badId, 2);
    try (EngineSession session = load("token_embed", 1)) {
      assertThatThrownBy(() -> session.execute(Map.of("token_ids", ids), Set.of("embedding")))
          .isInstanceOfSatisfying(
              ServingException.class,
              e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
          .hasMessageContaining("the model rejected the input");
    }
  }

  @Test
  void sessionStillWorksAfterARejectedInput() {
    ReferenceCase reference = ReferenceCase.load("token_embed").get(1);
    Tensor bad = Tensor.ofLongs(new long[] {1, 1}, 200);
    try (EngineSession session = load("token_embed", 1)) {
      assertThatThrownBy(() -> session.execute(Map.of("token_ids", bad), Set.of("embedding")))
          .isInstanceOf(ServingException.class);
      TensorAssertions.assertSameTensors(
          session.execute(reference.inputs(), Set.of("embedding")), reference.outputs());
    }
  }

  @Test
  void outputsCanBeFedBackAsInputs() {
    ReferenceCase reference = ReferenceCase.load("mixed_io").get(0);
    try (EngineSession mixed = load("mixed_io", 1);
        EngineSession classifier = load("classifier", 1)) {
      Tensor scaled = mixed.execute(reference.inputs(), Set.of("scaled")).get("scaled");
      assertThat(scaled.shape()).containsExactly(3, 4);
      Map<String, Tensor> probabilities =
          classifier.execute(Map.of("features", scaled), Set.of("probabilities"));
      assertThat(probabilities.get("probabilities").shape()).containsExactly(3, 3);
    }
  }

  @Test
  void missingInputIsAServingException() {
    Tensor x = Tensor.ofFloats(new long[] {1, 4}, 1, 2, 3, 4);
    try (EngineSession session = load("mixed_io", 1)) {
      assertThatThrownBy(() -> session.execute(Map.of("x", x), Set.of("scaled")))
          .isInstanceOf(ServingException.class)
          .hasMessageContaining("k");
    }
  }

  @Test
  void closingTwiceIsHarmless() {
    EngineSession session = load("classifier", 1);
    session.close();
    assertThatCode(session::close).doesNotThrowAnyException();
  }

  @Test
  void executeAfterCloseIsAServingException() {
    ReferenceCase reference = ReferenceCase.load("classifier").get(0);
    EngineSession session = load("classifier", 1);
    session.close();
    assertThatThrownBy(() -> session.execute(reference.inputs(), Set.of("probabilities")))
        .isInstanceOf(ServingException.class);
  }

  @Test
  void loadingTheSameFileTwiceGivesIndependentSessions() {
    ReferenceCase reference = ReferenceCase.load("classifier").get(0);
    EngineSession first = load("classifier", 1);
    try (EngineSession second = load("classifier", 1)) {
      first.close();
      TensorAssertions.assertSameTensors(
          second.execute(reference.inputs(), Set.of("probabilities")), reference.outputs());
    }
  }

  @Test
  void concurrentExecutionsGiveTheReferenceOutputs() throws Exception {
    List<ReferenceCase> cases = ReferenceCase.load("token_embed");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (EngineSession session = load("token_embed", 1)) {
      List<Future<Map<String, Tensor>>> results = new ArrayList<>();
      List<ReferenceCase> expected = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        ReferenceCase reference = cases.get(i % cases.size());
        expected.add(reference);
        results.add(pool.submit(() -> session.execute(reference.inputs(), Set.of("embedding"))));
      }
      for (int i = 0; i < results.size(); i++) {
        TensorAssertions.assertSameTensors(results.get(i).get(), expected.get(i).outputs());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void bytesElementsRoundTripAsUtf8() {
    byte[][] strings = {
      "héllo".getBytes(StandardCharsets.UTF_8), new byte[0], "日本語".getBytes(StandardCharsets.UTF_8)
    };
    try (EngineSession session = load("identity_types", 1)) {
      Tensor out =
          session
              .execute(
                  identityInputs(Tensor.ofBytes(new long[] {1, 3}, strings)), Set.of("bytes_out"))
              .get("bytes_out");
      assertThat(out.bytesElements()).isDeepEqualTo(strings);
      assertThat(out.shape()).containsExactly(1, 3);
    }
  }

  @Test
  void nonUtf8BytesElementsAreNotSilentlyAltered() {
    byte[][] raw = {{(byte) 0xFF, 0x00, (byte) 0xC3}};
    try (EngineSession session = load("identity_types", 1)) {
      Map<String, Tensor> inputs = identityInputs(Tensor.ofBytes(new long[] {1, 1}, raw));
      try {
        Tensor out = session.execute(inputs, Set.of("bytes_out")).get("bytes_out");
        assertThat(out.bytesElements()).isDeepEqualTo(raw);
      } catch (ServingException e) {
        assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
      }
    }
  }

  /** Inputs for identity_types: the given BYTES tensor and zeros of the same shape otherwise. */
  private static Map<String, Tensor> identityInputs(Tensor bytes) {
    long[] shape = bytes.shape();
    int count = bytes.elementCount();
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    for (DataType type :
        List.of(
            DataType.BOOL,
            DataType.UINT8,
            DataType.INT8,
            DataType.INT16,
            DataType.INT32,
            DataType.INT64,
            DataType.FP32,
            DataType.FP64)) {
      String name = type.name().toLowerCase(Locale.ROOT) + "_in";
      inputs.put(name, Tensor.of(type, shape, Tensor.allocate(type, count)));
    }
    inputs.put("bytes_in", bytes);
    return inputs;
  }
}
