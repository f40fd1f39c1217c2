package org.modelserver.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class VersionPolicyTest {
  private static final SortedSet<Long> PRESENT = new TreeSet<>(List.of(1L, 2L, 5L, 10L));

  @Test
  void defaultIsTheNewestVersionOnly() {
    assertThat(VersionPolicy.defaultPolicy()).isEqualTo(new VersionPolicy.Latest(1));
    assertThat(VersionPolicy.defaultPolicy().select(PRESENT)).containsExactly(10L);
  }

  @Test
  void latestTakesTheHighestNumbersNotTheNewestFolders() {
    assertThat(new VersionPolicy.Latest(2).select(PRESENT)).containsExactly(5L, 10L);
  }

  @Test
  void latestWithMoreThanPresentTakesAll() {
    assertThat(new VersionPolicy.Latest(9).select(PRESENT)).containsExactly(1L, 2L, 5L, 10L);
  }

  @Test
  void latestOfNothingIsNothing() {
    assertThat(new VersionPolicy.Latest(1).select(new TreeSet<>())).isEmpty();
  }

  @Test
  void latestNeedsAPositiveCount() {
    assertThatThrownBy(() -> new VersionPolicy.Latest(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("num_versions");
  }

  @Test
  void allTakesEveryVersion() {
    assertThat(new VersionPolicy.All().select(PRESENT)).containsExactly(1L, 2L, 5L, 10L);
  }

  @Test
  void specificTakesTheListedVersionsThatArePresent() {
    assertThat(new VersionPolicy.Specific(Set.of(2L, 10L, 7L)).select(PRESENT))
        .containsExactly(2L, 10L);
  }

  @Test
  void specificOfAbsentVersionsIsNothing() {
    assertThat(new VersionPolicy.Specific(Set.of(3L)).select(PRESENT)).isEmpty();
  }

  @Test
  void specificNeedsAVersion() {
    assertThatThrownBy(() -> new VersionPolicy.Specific(Set.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one version");
  }

  @Test
  void specificSortsItsVersions() {
    assertThat(new VersionPolicy.Specific(Set.of(9L, 1L, 4L)).sorted()).containsExactly(1L, 4L, 9L);
  }

  @Test
  void selectDoesNotChangeTheSetItIsGiven() {
    SortedSet<Long> present = new TreeSet<>(PRESENT);
    new VersionPolicy.Latest(1).select(present);
    new VersionPolicy.All().select(present).clear();
    new VersionPolicy.Specific(Set.of(1L)).select(present);
    assertThat(present).isEqualTo(PRESENT);
  }
}
