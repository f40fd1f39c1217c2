package org.modelserver.runtime.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ShapeTest {

  @Test
  void elementCountMultipliesTheDims() {
    assertThat(Shape.elementCount(new long[] {2, 3, 4})).isEqualTo(24);
  }

  @Test
  void scalarHasOneElement() {
    assertThat(Shape.elementCount(new long[] {})).isEqualTo(1);
  }

  @Test
  void zeroSizedDimensionGivesNoElements() {
    assertThat(Shape.elementCount(new long[] {0, 5})).isZero();
  }

  @Test
  void elementCountRejectsVariableDims() {
    assertThatThrownBy(() -> Shape.elementCount(new long[] {2, -1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[2,-1]")
        .hasMessageContaining("not concrete");
  }

  @Test
  void elementCountIsMinusOneOnOverflow() {
    assertThat(Shape.elementCount(new long[] {1L << 32, 1L << 32})).isEqualTo(-1);
  }

  @Test
  void matchesEqualShapes() {
    assertThat(Shape.matches(new long[] {3, 4}, new long[] {3, 4})).isTrue();
  }

  @Test
  void minusOneInPatternMatchesAnySize() {
    assertThat(Shape.matches(new long[] {-1, 4}, new long[] {7, 4})).isTrue();
    assertThat(Shape.matches(new long[] {-1, -1}, new long[] {0, 1})).isTrue();
  }

  @Test
  void fixedDimMustBeEqual() {
    assertThat(Shape.matches(new long[] {-1, 4}, new long[] {7, 5})).isFalse();
  }

  @Test
  void rankMustBeEqual() {
    assertThat(Shape.matches(new long[] {-1, 4}, new long[] {4})).isFalse();
    assertThat(Shape.matches(new long[] {4}, new long[] {1, 4})).isFalse();
  }

  @Test
  void scalarsMatchScalars() {
    assertThat(Shape.matches(new long[] {}, new long[] {})).isTrue();
  }

  @Test
  void prependAddsALeadingDim() {
    assertThat(Shape.prepend(-1, new long[] {3, 4})).containsExactly(-1, 3, 4);
    assertThat(Shape.prepend(5, new long[] {})).containsExactly(5);
  }

  @Test
  void dropFirstRemovesTheLeadingDim() {
    assertThat(Shape.dropFirst(new long[] {-1, 3, 4})).containsExactly(3, 4);
    assertThat(Shape.dropFirst(new long[] {8})).isEmpty();
  }

  @Test
  void prependAndDropFirstDoNotTouchTheirArgument() {
    long[] shape = {3, 4};
    Shape.prepend(1, shape);
    Shape.dropFirst(shape);
    assertThat(shape).containsExactly(3, 4);
  }

  @Test
  void formatIsBracketedAndCommaSeparated() {
    assertThat(Shape.format(new long[] {2, -1, 3})).isEqualTo("[2,-1,3]");
    assertThat(Shape.format(new long[] {})).isEqualTo("[]");
  }
}
