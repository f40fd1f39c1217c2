package org.modelserver.runtime.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteBudgetTest {
  @Test
  void reservesWhatFitsAndNothingOfWhatDoesNot() {
    ByteBudget budget = new ByteBudget("the server", 100);
    assertThat(budget.tryReserve(60)).isTrue();
    assertThat(budget.tryReserve(41)).isFalse();
    assertThat(budget.used()).isEqualTo(60);
    assertThat(budget.tryReserve(40)).isTrue();
    budget.release(100);
    assertThat(budget.used()).isZero();
  }

  @Test
  void zeroMeansNoLimitButStillCounts() {
    ByteBudget budget = new ByteBudget("m", 0);
    assertThat(budget.tryReserve(Long.MAX_VALUE / 2)).isTrue();
    assertThat(budget.used()).isEqualTo(Long.MAX_VALUE / 2);
  }

  @Test
  void negativeAmountsAreRefused() {
    assertThatThrownBy(() -> new ByteBudget("m", -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ByteBudget("m", 1).tryReserve(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
