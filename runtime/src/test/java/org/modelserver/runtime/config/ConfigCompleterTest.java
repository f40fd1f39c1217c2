package org.modelserver.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.tensor.DataType;

class ConfigCompleterTest {
  private static final int DEFAULT_MAX_BATCH = 8;

  private final ConfigCompleter completer = new ConfigCompleter(DEFAULT_MAX_BATCH);

  private static TensorSpec spec(String name, DataType type, long... dims) {
    return new TensorSpec(name, type, dims);
  }

  /** Like mixed_io: two batchable inputs and two batchable outputs. */
  private static final ModelSignature BATCHABLE =
      new ModelSignature(
          List.of(spec("x", DataType.FP32, -1, 4), spec("k", DataType.INT64, -1, 4)),
          List.of(spec("scaled", DataType.FP32, -1, 4), spec("index", DataType.INT64, -1, 1)));

  /** A model with fixed shapes only. */
  private static final ModelSignature FIXED =
      new ModelSignature(
          List.of(spec("x", DataType.FP32, 2, 3)), List.of(spec("y", DataType.FP32, 2, 3)));

  private static ModelConfig.Builder config() {
    return ModelConfig.builder("m");
  }

  private ModelConfig complete(ModelConfig config, ModelSignature signature) {
    return completer.complete(config, Platforms.ONNX, Optional.of(signature));
  }

  private AbstractThrowableAssert<?, ? extends Throwable> fails(
      ModelConfig config, ModelSignature signature) {
    return assertThatThrownBy(() -> complete(config, signature))
        .isInstanceOf(ModelConfigException.class);
  }

  @Test
  void negativeDefaultMaxBatchSizeIsRejected() {
    assertThatThrownBy(() -> new ConfigCompleter(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void batchableModelGetsTheDefaultMaxBatchSize() {
    ModelConfig complete = complete(config().build(), BATCHABLE);
    assertThat(complete.maxBatchSize()).contains(DEFAULT_MAX_BATCH);
    assertThat(complete.platform()).contains(Platforms.ONNX);
  }

  @Test
  void batchableModelDimsLoseTheBatchDimension() {
    ModelConfig complete = complete(config().build(), BATCHABLE);
    assertThat(complete.inputs())
        .containsExactly(spec("x", DataType.FP32, 4), spec("k", DataType.INT64, 4));
    assertThat(complete.outputs())
        .containsExactly(spec("scaled", DataType.FP32, 4), spec("index", DataType.INT64, 1));
  }

  @Test
  void zeroDefaultLeavesBatchableModelsUnbatched() {
    ModelConfig complete =
        new ConfigCompleter(0).complete(config().build(), Platforms.ONNX, Optional.of(BATCHABLE));
    assertThat(complete.maxBatchSize()).contains(0);
    assertThat(complete.input("x").orElseThrow().dims()).containsExactly(-1, 4);
  }

  @Test
  void fixedShapeModelIsNotBatched() {
    ModelConfig complete = complete(config().build(), FIXED);
    assertThat(complete.maxBatchSize()).contains(0);
    assertThat(complete.inputs()).containsExactly(spec("x", DataType.FP32, 2, 3));
    assertThat(complete.outputs()).containsExactly(spec("y", DataType.FP32, 2, 3));
  }

  @Test
  void modelWithAnOutputWithoutBatchDimensionIsNotBatched() {
    ModelSignature reduces =
        new ModelSignature(
            List.of(spec("x", DataType.FP32, -1, 3)), List.of(spec("y", DataType.FP32, 3)));
    ModelConfig complete = complete(config().build(), reduces);
    assertThat(complete.maxBatchSize()).contains(0);
    assertThat(complete.input("x").orElseThrow().dims()).containsExactly(-1, 3);
  }

  @Test
  void modelWithAScalarInputIsNotBatched() {
    ModelSignature scalar =
        new ModelSignature(
            List.of(spec("s", DataType.FP32)), List.of(spec("y", DataType.FP32, -1)));
    assertThat(complete(config().build(), scalar).maxBatchSize()).contains(0);
  }

  @Test
  void explicitZeroKeepsABatchableModelUnbatched() {
    ModelConfig complete = complete(config().maxBatchSize(0).build(), BATCHABLE);
    assertThat(complete.maxBatchSize()).contains(0);
    assertThat(complete.output("index").orElseThrow().dims()).containsExactly(-1, 1);
  }

  @Test
  void explicitMaxBatchSizeWins() {
    assertThat(complete(config().maxBatchSize(3).build(), BATCHABLE).maxBatchSize()).contains(3);
  }

  @Test
  void maxBatchSizeOnAModelWithoutBatchDimensionIsRejected() {
    fails(config().maxBatchSize(4).build(), FIXED)
        .hasMessageContaining("max_batch_size > 0 needs a variable first (batch) dimension")
        .hasMessageContaining("model input 'x' has shape [2,3]")
        .hasMessageContaining("set max_batch_size: 0");
  }

  @Test
  void maxBatchSizeWithAnOutputWithoutBatchDimensionIsRejected() {
    ModelSignature reduces =
        new ModelSignature(
            List.of(spec("x", DataType.FP32, -1, 3)), List.of(spec("y", DataType.FP32, 3)));
    fails(config().maxBatchSize(4).build(), reduces)
        .hasMessageContaining("model output 'y' has shape [3]");
  }

  @Test
  void maxBatchSizeWithAScalarInputIsRejected() {
    ModelSignature scalar =
        new ModelSignature(
            List.of(spec("s", DataType.FP32)), List.of(spec("y", DataType.FP32, -1)));
    fails(config().maxBatchSize(2).build(), scalar)
        .hasMessageContaining("model input 's' has shape []");
  }

  @Test
  void declaredConfigMatchingTheModelIsKept() {
    ModelConfig declared =
        config()
            .maxBatchSize(32)
            .inputs(List.of(spec("x", DataType.FP32, 4), spec("k", DataType.INT64, 4)))
            .outputs(List.of(spec("scaled", DataType.FP32, 4), spec("index", DataType.INT64, 1)))
            .build();
    ModelConfig complete = complete(declared, BATCHABLE);
    assertThat(complete.maxBatchSize()).contains(32);
    assertThat(complete.inputs()).isEqualTo(declared.inputs());
    assertThat(complete.outputs()).isEqualTo(declared.outputs());
  }

  @Test
  void declaredVariableDimTakesTheModelsFixedSize() {
    ModelConfig declared =
        config()
            .inputs(List.of(spec("x", DataType.FP32, -1), spec("k", DataType.INT64, 4)))
            .build();
    assertThat(complete(declared, BATCHABLE).input("x").orElseThrow().dims()).containsExactly(4);
  }

  @Test
  void declaredFixedDimNarrowsAVariableModelDim() {
    ModelSignature variable =
        new ModelSignature(
            List.of(spec("ids", DataType.INT64, -1, -1)), List.of(spec("e", DataType.FP32, -1, 8)));
    ModelConfig declared = config().inputs(List.of(spec("ids", DataType.INT64, 5))).build();
    assertThat(complete(declared, variable).input("ids").orElseThrow().dims()).containsExactly(5);
  }

  @Test
  void declaredVariableDimStaysVariableWhenTheModelsIs() {
    ModelSignature variable =
        new ModelSignature(
            List.of(spec("ids", DataType.INT64, -1, -1)), List.of(spec("e", DataType.FP32, -1, 8)));
    ModelConfig declared = config().inputs(List.of(spec("ids", DataType.INT64, -1))).build();
    assertThat(complete(declared, variable).input("ids").orElseThrow().dims()).containsExactly(-1);
  }

  @Test
  void declaredInputsWithoutOutputsGetTheModelsOutputs() {
    ModelConfig declared =
        config().inputs(List.of(spec("x", DataType.FP32, 4), spec("k", DataType.INT64, 4))).build();
    assertThat(complete(declared, BATCHABLE).outputs())
        .containsExactly(spec("scaled", DataType.FP32, 4), spec("index", DataType.INT64, 1));
  }

  @Test
  void declaredOutputsMayBeASubset() {
    ModelConfig declared = config().outputs(List.of(spec("index", DataType.INT64, 1))).build();
    ModelConfig complete = complete(declared, BATCHABLE);
    assertThat(complete.outputs()).containsExactly(spec("index", DataType.INT64, 1));
    assertThat(complete.inputs()).hasSize(2);
  }

  @Test
  void wrongDataTypeIsNamed() {
    ModelConfig declared =
        config().inputs(List.of(spec("x", DataType.FP64, 4), spec("k", DataType.INT64, 4))).build();
    fails(declared, BATCHABLE)
        .hasMessageContaining("input 'x' is declared TYPE_FP64 but the model has TYPE_FP32");
  }

  @Test
  void wrongOutputDataTypeIsNamed() {
    ModelConfig declared = config().outputs(List.of(spec("index", DataType.INT32, 1))).build();
    fails(declared, BATCHABLE)
        .hasMessageContaining("output 'index' is declared TYPE_INT32 but the model has TYPE_INT64");
  }

  @Test
  void wrongDimIsNamedWithBothShapes() {
    ModelConfig declared =
        config().inputs(List.of(spec("x", DataType.FP32, 5), spec("k", DataType.INT64, 4))).build();
    fails(declared, BATCHABLE)
        .hasMessageContaining(
            "input 'x' is declared with dims [5] but the model has [4] after its batch dimension");
  }

  @Test
  void wrongRankIsNamedWithBothShapes() {
    ModelConfig declared = config().outputs(List.of(spec("scaled", DataType.FP32, 4, 1))).build();
    fails(declared, BATCHABLE)
        .hasMessageContaining("output 'scaled' is declared with dims [4,1] but the model has [4]");
  }

  @Test
  void dimsIncludingTheBatchDimensionOnABatchedModelAreRejected() {
    ModelConfig declared =
        config()
            .maxBatchSize(4)
            .inputs(List.of(spec("x", DataType.FP32, -1, 4), spec("k", DataType.INT64, -1, 4)))
            .build();
    fails(declared, BATCHABLE)
        .hasMessageContaining("input 'x' is declared with dims [-1,4] but the model has [4]");
  }

  @Test
  void unbatchedMismatchDoesNotMentionABatchDimension() {
    ModelConfig declared = config().inputs(List.of(spec("x", DataType.FP32, 3, 3))).build();
    fails(declared, FIXED)
        .hasMessageContaining("input 'x' is declared with dims [3,3] but the model has [2,3]")
        .hasMessageNotContaining("batch dimension");
  }

  @Test
  void declaredInputNotInTheModelIsNamed() {
    ModelConfig declared =
        config()
            .inputs(
                List.of(
                    spec("x", DataType.FP32, 4),
                    spec("k", DataType.INT64, 4),
                    spec("z", DataType.FP32, 1)))
            .build();
    fails(declared, BATCHABLE)
        .hasMessageContaining("input 'z' is not in the model; its inputs are [x, k]");
  }

  @Test
  void declaredOutputNotInTheModelIsNamed() {
    ModelConfig declared = config().outputs(List.of(spec("probs", DataType.FP32, 3))).build();
    fails(declared, BATCHABLE)
        .hasMessageContaining(
            "output 'probs' is not in the model; its outputs are [scaled, index]");
  }

  @Test
  void undeclaredModelInputIsNamed() {
    ModelConfig declared = config().inputs(List.of(spec("x", DataType.FP32, 4))).build();
    fails(declared, BATCHABLE)
        .hasMessageContaining("model input 'k' is not declared in the config; declare it");
  }

  @Test
  void otherFieldsAreKept() {
    ModelConfig declared =
        config()
            .defaultModelFilename("net.onnx")
            .versionPolicy(new VersionPolicy.Latest(2))
            .build();
    ModelConfig complete = complete(declared, BATCHABLE);
    assertThat(complete.name()).isEqualTo("m");
    assertThat(complete.defaultModelFilename()).contains("net.onnx");
    assertThat(complete.versionPolicy()).isEqualTo(new VersionPolicy.Latest(2));
  }

  @Test
  void withoutASignatureTheDeclaredConfigIsUsedAsIs() {
    ModelConfig declared =
        config()
            .maxBatchSize(4)
            .inputs(List.of(spec("x", DataType.FP32, 3)))
            .outputs(List.of(spec("y", DataType.FP32, 2)))
            .build();
    ModelConfig complete = completer.complete(declared, Platforms.TORCH, Optional.empty());
    assertThat(complete.platform()).contains(Platforms.TORCH);
    assertThat(complete.maxBatchSize()).contains(4);
    assertThat(complete.inputs()).isEqualTo(declared.inputs());
    assertThat(complete.outputs()).isEqualTo(declared.outputs());
  }

  @Test
  void withoutASignatureAnUnsetMaxBatchSizeMeansNoBatching() {
    ModelConfig declared =
        config()
            .inputs(List.of(spec("x", DataType.FP32, 3)))
            .outputs(List.of(spec("y", DataType.FP32, 2)))
            .build();
    assertThat(completer.complete(declared, Platforms.TORCH, Optional.empty()).maxBatchSize())
        .contains(0);
  }

  @Test
  void withoutASignatureInputsMustBeDeclared() {
    ModelConfig declared = config().outputs(List.of(spec("y", DataType.FP32, 2))).build();
    assertThatThrownBy(() -> completer.complete(declared, Platforms.TORCH, Optional.empty()))
        .isInstanceOf(ModelConfigException.class)
        .hasMessageContaining("pytorch_libtorch model file carries no tensor names or shapes")
        .hasMessageContaining("declare every input and output");
  }

  @Test
  void withoutASignatureOutputsMustBeDeclared() {
    ModelConfig declared = config().inputs(List.of(spec("x", DataType.FP32, 2))).build();
    assertThatThrownBy(() -> completer.complete(declared, Platforms.TORCH, Optional.empty()))
        .isInstanceOf(ModelConfigException.class)
        .hasMessageContaining("declare every input and output");
  }
}
