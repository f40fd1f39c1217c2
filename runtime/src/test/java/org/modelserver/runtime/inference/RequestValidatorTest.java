package org.modelserver.runtime.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;

class RequestValidatorTest {
  /** Like the completed mixed_io config: batched, two inputs, two outputs. */
  private static final ModelConfig BATCHED =
      ModelConfig.builder("mixed")
          .maxBatchSize(4)
          .inputs(
              List.of(
                  new TensorSpec("x", DataType.FP32, new long[] {2}),
                  new TensorSpec("k", DataType.INT64, new long[] {-1})))
          .outputs(
              List.of(
                  new TensorSpec("scaled", DataType.FP32, new long[] {2}),
                  new TensorSpec("index", DataType.INT64, new long[] {1})))
          .build();

  /** A model without a batch dimension: shapes are checked as declared. */
  private static final ModelConfig UNBATCHED =
      ModelConfig.builder("fixed")
          .maxBatchSize(0)
          .inputs(
              List.of(
                  new TensorSpec("x", DataType.FP32, new long[] {2, 3}),
                  new TensorSpec("s", DataType.BYTES, new long[] {})))
          .outputs(List.of(new TensorSpec("y", DataType.FP32, new long[] {2, 3})))
          .build();

  private static Tensor floats(long... shape) {
    int count = 1;
    for (long dim : shape) {
      count *= (int) dim;
    }
    return Tensor.ofFloats(shape, new float[count]);
  }

  private static Tensor longs(long... shape) {
    int count = 1;
    for (long dim : shape) {
      count *= (int) dim;
    }
    return Tensor.ofLongs(shape, new long[count]);
  }

  private static Tensor text(String value) {
    return Tensor.ofBytes(new long[] {}, new byte[][] {value.getBytes(StandardCharsets.UTF_8)});
  }

  private static InferenceRequest request(
      ModelConfig config, Map<String, Tensor> inputs, List<String> outputs) {
    return new InferenceRequest(config.name(), Optional.empty(), "id", inputs, outputs, Map.of());
  }

  private static Map<String, Tensor> inputs(Object... namesAndTensors) {
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    for (int i = 0; i < namesAndTensors.length; i += 2) {
      inputs.put((String) namesAndTensors[i], (Tensor) namesAndTensors[i + 1]);
    }
    return inputs;
  }

  private static List<String> validate(
      ModelConfig config, Map<String, Tensor> in, List<String> out) {
    return RequestValidator.validate(config, request(config, in, out));
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> invalid(
      ModelConfig config, Map<String, Tensor> in, List<String> out) {
    return assertThatThrownBy(() -> validate(config, in, out))
        .isInstanceOfSatisfying(
            ServingException.class,
            e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> invalid(
      ModelConfig config, Map<String, Tensor> in) {
    return invalid(config, in, List.of());
  }

  @Test
  void validBatchedRequestGivesEveryOutputInModelOrder() {
    assertThat(validate(BATCHED, inputs("x", floats(3, 2), "k", longs(3, 5)), List.of()))
        .containsExactly("scaled", "index");
  }

  @Test
  void inputOrderDoesNotMatter() {
    assertThat(validate(BATCHED, inputs("k", longs(1, 1), "x", floats(1, 2)), List.of()))
        .containsExactly("scaled", "index");
  }

  @Test
  void requestedOutputsKeepTheRequestOrder() {
    Map<String, Tensor> in = inputs("x", floats(1, 2), "k", longs(1, 2));
    assertThat(validate(BATCHED, in, List.of("index", "scaled")))
        .containsExactly("index", "scaled");
    assertThat(validate(BATCHED, in, List.of("index"))).containsExactly("index");
  }

  @Test
  void unknownInputIsNamed() {
    invalid(BATCHED, inputs("x", floats(1, 2), "k", longs(1, 2), "z", floats(1, 2)))
        .hasMessageContaining("unknown input 'z' for model 'mixed'; expected inputs [x, k]");
  }

  @Test
  void unknownInputIsReportedBeforeMissingOnes() {
    invalid(BATCHED, inputs("X", floats(1, 2))).hasMessageContaining("unknown input 'X'");
  }

  @Test
  void missingInputIsNamed() {
    invalid(BATCHED, inputs("x", floats(1, 2)))
        .hasMessageContaining("missing input 'k' for model 'mixed'; expected inputs [x, k]");
  }

  @Test
  void noInputsAtAllIsAMissingInput() {
    invalid(BATCHED, inputs()).hasMessageContaining("missing input 'x'");
  }

  @Test
  void wrongDatatypeIsNamed() {
    invalid(BATCHED, inputs("x", floats(1, 2), "k", floats(1, 2)))
        .hasMessageContaining("input 'k' has datatype FP32 but the model expects INT64");
  }

  @Test
  void wrongShapeIsNamedWithTheBatchHint() {
    invalid(BATCHED, inputs("x", floats(1, 3), "k", longs(1, 2)))
        .hasMessageContaining("input 'x' has shape [1,3] but the model expects [-1,2]")
        .hasMessageContaining("the first dimension is the batch");
  }

  @Test
  void missingBatchDimensionIsAShapeError() {
    invalid(BATCHED, inputs("x", floats(2), "k", longs(1, 2)))
        .hasMessageContaining("input 'x' has shape [2] but the model expects [-1,2]");
  }

  @Test
  void variableDimAcceptsAnySize() {
    assertThat(validate(BATCHED, inputs("x", floats(2, 2), "k", longs(2, 17)), List.of()))
        .hasSize(2);
  }

  @Test
  void batchUpToMaxBatchSizeIsAccepted() {
    assertThat(validate(BATCHED, inputs("x", floats(4, 2), "k", longs(4, 1)), List.of()))
        .hasSize(2);
  }

  @Test
  void batchAboveMaxBatchSizeIsRejected() {
    invalid(BATCHED, inputs("x", floats(5, 2), "k", longs(5, 1)))
        .hasMessageContaining("input 'x' has batch size 5, more than the model's max_batch_size 4");
  }

  @Test
  void emptyBatchIsRejected() {
    invalid(BATCHED, inputs("x", floats(0, 2), "k", longs(0, 1)))
        .hasMessageContaining("input 'x' has batch size 0");
  }

  @Test
  void inputsMustAgreeOnTheBatchSize() {
    invalid(BATCHED, inputs("x", floats(2, 2), "k", longs(3, 1)))
        .hasMessageContaining("inputs disagree on the batch size: 'x' has 2 but 'k' has 3");
  }

  @Test
  void unknownOutputIsNamed() {
    invalid(BATCHED, inputs("x", floats(1, 2), "k", longs(1, 2)), List.of("scaled", "probs"))
        .hasMessageContaining(
            "unknown output 'probs' requested from model 'mixed'; its outputs are [scaled, index]");
  }

  @Test
  void duplicateOutputIsNamed() {
    invalid(BATCHED, inputs("x", floats(1, 2), "k", longs(1, 2)), List.of("index", "index"))
        .hasMessageContaining("output 'index' is requested twice");
  }

  @Test
  void inputNameIsNotAnOutputName() {
    invalid(BATCHED, inputs("x", floats(1, 2), "k", longs(1, 2)), List.of("x"))
        .hasMessageContaining("unknown output 'x'");
  }

  @Test
  void unbatchedShapesMustMatchExactly() {
    assertThat(validate(UNBATCHED, inputs("x", floats(2, 3), "s", text("hi")), List.of()))
        .containsExactly("y");
    invalid(UNBATCHED, inputs("x", floats(1, 2, 3), "s", text("hi")))
        .hasMessageContaining("input 'x' has shape [1,2,3] but the model expects [2,3]")
        .hasMessageNotContaining("batch");
  }

  @Test
  void unbatchedModelIgnoresMaxBatchSizeForTheFirstDimension() {
    ModelConfig variable =
        ModelConfig.builder("v")
            .inputs(List.of(new TensorSpec("x", DataType.FP32, new long[] {-1})))
            .outputs(List.of(new TensorSpec("y", DataType.FP32, new long[] {-1})))
            .build();
    assertThat(validate(variable, inputs("x", floats(1000)), List.of())).containsExactly("y");
    assertThat(validate(variable, inputs("x", floats(0)), List.of())).containsExactly("y");
  }

  @Test
  void bytesInputsAreCheckedByTypeAndShape() {
    invalid(UNBATCHED, inputs("x", floats(2, 3), "s", floats()))
        .hasMessageContaining("input 's' has datatype FP32 but the model expects BYTES");
    invalid(
            UNBATCHED,
            inputs(
                "x", floats(2, 3), "s", Tensor.ofBytes(new long[] {1}, new byte[][] {new byte[0]})))
        .hasMessageContaining("input 's' has shape [1] but the model expects []");
  }

  @Test
  void requestCopiesItsCollections() {
    Map<String, Tensor> in = inputs("x", floats(1, 2));
    List<String> out = new ArrayList<>(List.of("y"));
    InferenceRequest request =
        new InferenceRequest("m", Optional.of(1L), null, in, out, Map.of("p", 1));
    in.clear();
    out.clear();
    assertThat(request.inputs()).containsOnlyKeys("x");
    assertThat(request.outputs()).containsExactly("y");
    assertThat(request.parameters()).containsEntry("p", 1);
    assertThatThrownBy(() -> request.inputs().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
