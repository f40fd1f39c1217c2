package org.modelserver.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.tensor.DataType;

class ModelConfigTest {
  private static final TensorSpec X = new TensorSpec("x", DataType.FP32, new long[] {4});
  private static final TensorSpec Y = new TensorSpec("y", DataType.INT64, new long[] {-1});

  @Test
  void unsetMaxBatchSizeMeansNoBatching() {
    ModelConfig config = ModelConfig.builder("m").build();
    assertThat(config.maxBatchSize()).isEmpty();
    assertThat(config.maxBatch()).isZero();
    assertThat(config.batched()).isFalse();
  }

  @Test
  void zeroMaxBatchSizeIsSetButNotBatched() {
    ModelConfig config = ModelConfig.builder("m").maxBatchSize(0).build();
    assertThat(config.maxBatchSize()).contains(0);
    assertThat(config.batched()).isFalse();
  }

  @Test
  void negativeMaxBatchSizeIsRejected() {
    assertThatThrownBy(() -> ModelConfig.builder("m").maxBatchSize(-3).build())
        .isInstanceOf(ModelConfigException.class)
        .hasMessageContaining("max_batch_size must be 0 or more, got -3");
  }

  @Test
  void duplicateOutputIsRejected() {
    assertThatThrownBy(() -> ModelConfig.builder("m").outputs(List.of(Y, Y)).build())
        .isInstanceOf(ModelConfigException.class)
        .hasMessageContaining("output 'y' is declared twice");
  }

  @Test
  void sameNameAsInputAndOutputIsAllowed() {
    TensorSpec yAsInput = new TensorSpec("y", DataType.FP32, new long[] {1});
    ModelConfig config =
        ModelConfig.builder("m").inputs(List.of(yAsInput)).outputs(List.of(Y)).build();
    assertThat(config.input("y")).contains(yAsInput);
    assertThat(config.output("y")).contains(Y);
  }

  @Test
  void lookupByName() {
    ModelConfig config = ModelConfig.builder("m").inputs(List.of(X)).outputs(List.of(Y)).build();
    assertThat(config.input("x")).contains(X);
    assertThat(config.input("y")).isEmpty();
    assertThat(config.output("y")).contains(Y);
    assertThat(config.output("x")).isEmpty();
  }

  @Test
  void toBuilderCopiesEveryField() {
    ModelConfig original =
        ModelConfig.builder("m")
            .platform(Platforms.ONNX)
            .defaultModelFilename("net.onnx")
            .maxBatchSize(8)
            .inputs(List.of(X))
            .outputs(List.of(Y))
            .versionPolicy(new VersionPolicy.All())
            .build();
    ModelConfig copy = original.toBuilder().build();
    assertThat(copy.name()).isEqualTo("m");
    assertThat(copy.platform()).contains(Platforms.ONNX);
    assertThat(copy.defaultModelFilename()).contains("net.onnx");
    assertThat(copy.maxBatchSize()).contains(8);
    assertThat(copy.inputs()).containsExactly(X);
    assertThat(copy.outputs()).containsExactly(Y);
    assertThat(copy.versionPolicy()).isEqualTo(new VersionPolicy.All());
  }

  @Test
  void toBuilderLeavesTheOriginalAlone() {
    ModelConfig original = ModelConfig.builder("m").inputs(List.of(X)).maxBatchSize(2).build();
    original.toBuilder().inputs(List.of()).maxBatchSize(4).build();
    assertThat(original.inputs()).containsExactly(X);
    assertThat(original.maxBatchSize()).contains(2);
  }

  @Test
  void tensorListsAreUnmodifiable() {
    ModelConfig config = ModelConfig.builder("m").inputs(List.of(X)).build();
    assertThatThrownBy(() -> config.inputs().add(Y))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void tensorSpecShapeAddsTheBatchDimensionWhenBatched() {
    assertThat(X.shape(true)).containsExactly(-1, 4);
    assertThat(X.shape(false)).containsExactly(4);
  }

  @Test
  void tensorSpecCopiesItsDims() {
    long[] dims = {3};
    TensorSpec spec = new TensorSpec("a", DataType.FP32, dims);
    dims[0] = 7;
    spec.dims()[0] = 9;
    assertThat(spec.dims()).containsExactly(3);
  }

  @Test
  void tensorSpecEqualityIsByValue() {
    assertThat(new TensorSpec("x", DataType.FP32, new long[] {4}))
        .isEqualTo(X)
        .hasSameHashCodeAs(X)
        .isNotEqualTo(new TensorSpec("x", DataType.FP64, new long[] {4}))
        .isNotEqualTo(new TensorSpec("x", DataType.FP32, new long[] {4, 1}));
    assertThat(X).hasToString("x FP32 [4]");
  }
}
