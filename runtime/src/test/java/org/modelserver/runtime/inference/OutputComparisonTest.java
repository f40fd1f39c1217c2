package org.modelserver.runtime.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.tensor.Tensor;

class OutputComparisonTest {
  private static final long[] TWO_BY_THREE = {2, 3};

  @Test
  void identicalOutputsAgreeExactly() {
    Tensor a = Tensor.ofFloats(TWO_BY_THREE, 0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f);
    Tensor b = Tensor.ofFloats(TWO_BY_THREE, 0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f);

    OutputComparison comparison = OutputComparison.of(a, b);

    assertThat(comparison).isEqualTo(new OutputComparison(true, 0, 2, 2));
  }

  @Test
  void theLargestDifferenceAndTheArgMaxOfEachRowAreCompared() {
    Tensor a = Tensor.ofFloats(TWO_BY_THREE, 0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f);
    Tensor b = Tensor.ofFloats(TWO_BY_THREE, 0.2f, 0.6f, 0.2f, 0.1f, 0.3f, 0.6f);

    OutputComparison comparison = OutputComparison.of(a, b);

    assertThat(comparison.shapesMatch()).isTrue();
    // 0.5 - 0.1 and 0.6 - 0.2 are both 0.4 in decimal, not in float: the larger counts.
    assertThat(comparison.maxAbsDiff())
        .isEqualTo(Math.max((double) 0.5f - (double) 0.1f, (double) 0.6f - (double) 0.2f));
    assertThat(comparison.rows()).isEqualTo(2);
    assertThat(comparison.agreeingRows()).isEqualTo(1); // row 0: index 1 both; row 1: 0 against 2
  }

  @Test
  void aDifferentShapeOrTypeIsAMismatchAndNothingElse() {
    Tensor a = Tensor.ofFloats(TWO_BY_THREE, 1, 2, 3, 4, 5, 6);

    assertThat(OutputComparison.of(a, Tensor.ofFloats(new long[] {3, 2}, 1, 2, 3, 4, 5, 6)))
        .isEqualTo(OutputComparison.SHAPE_MISMATCH);
    assertThat(OutputComparison.of(a, Tensor.ofLongs(TWO_BY_THREE, 1, 2, 3, 4, 5, 6)))
        .isEqualTo(OutputComparison.SHAPE_MISMATCH);
  }

  @Test
  void integersAreComparedAsNumbersAndTiesTakeTheFirstIndex() {
    Tensor a = Tensor.ofLongs(new long[] {1, 4}, 3, 9, 9, 1);
    Tensor b = Tensor.ofLongs(new long[] {1, 4}, 3, 9, 2, 11);

    OutputComparison comparison = OutputComparison.of(a, b);

    assertThat(comparison.maxAbsDiff()).isEqualTo(10.0);
    assertThat(comparison.agreeingRows()).isZero(); // index 1 (first of the tie) against index 3
  }

  @Test
  void nanAgainstANumberIsAnInfiniteDifferenceAndNanAgainstNanNone() {
    Tensor a = Tensor.ofFloats(new long[] {3}, Float.NaN, 1, Float.NaN);
    Tensor b = Tensor.ofFloats(new long[] {3}, Float.NaN, 1, 2);

    assertThat(OutputComparison.of(a, b).maxAbsDiff()).isInfinite();
    assertThat(OutputComparison.of(a, a).maxAbsDiff()).isZero();
  }

  @Test
  void aScalarIsOneRow() {
    Tensor a = Tensor.ofFloats(new long[0], 2.5f);
    Tensor b = Tensor.ofFloats(new long[0], 2.0f);

    assertThat(OutputComparison.of(a, b)).isEqualTo(new OutputComparison(true, 0.5, 1, 1));
  }

  @Test
  void bytesRowsAgreeWhenTheirElementsAreEqual() {
    Tensor a = strings(new long[] {2, 2}, "cat", "dog", "cat", "dog");
    Tensor b = strings(new long[] {2, 2}, "cat", "dog", "cat", "cow");

    OutputComparison comparison = OutputComparison.of(a, b);

    assertThat(comparison.maxAbsDiff()).isNaN();
    assertThat(comparison.rows()).isEqualTo(2);
    assertThat(comparison.agreeingRows()).isEqualTo(1);
  }

  private static Tensor strings(long[] shape, String... values) {
    byte[][] elements = new byte[values.length][];
    for (int i = 0; i < values.length; i++) {
      elements[i] = values[i].getBytes(StandardCharsets.UTF_8);
    }
    return Tensor.ofBytes(shape, elements);
  }
}
