package org.modelserver.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.error.ServingException;

class ShadowSettingTest {
  @TempDir Path repo;

  @Test
  void versionAndPercentAreValidatedWithWhatIsExpected() {
    assertThatThrownBy(() -> ShadowSetting.of(0, 10))
        .isInstanceOf(ServingException.class)
        .hasMessageContaining("positive version number, got 0");
    assertThatThrownBy(() -> ShadowSetting.of(2, 0))
        .hasMessageContaining("whole percentage from 1 to 100, got 0");
    assertThatThrownBy(() -> ShadowSetting.of(2, 101))
        .hasMessageContaining("whole percentage from 1 to 100, got 101");
    assertThat(ShadowSetting.of(2, 10).version()).contains(2L);
    assertThat(ShadowSetting.NONE.version()).isEmpty();
  }

  @Test
  void theDrawTakesItsPercentage() {
    Random random = new Random(3);
    ShadowSetting tenth = ShadowSetting.of(2, 10);
    int drawn = 0;
    for (int i = 0; i < 10_000; i++) {
      drawn += tenth.draw(random) ? 1 : 0;
    }
    // 1,000 expected, sd 30: 850..1,150 is 5 sd either side.
    assertThat(drawn).isBetween(850, 1150);
    assertThat(ShadowSetting.of(2, 100).draw(random)).isTrue();
    assertThat(ShadowSetting.NONE.draw(random)).isFalse();
  }

  @Test
  void theShadowIsStoredWithTheSplitAndReadBack() {
    ServingDecisions decisions = new ServingDecisions(repo);
    ServingDecisions.Decision decision =
        new ServingDecisions.Decision(
            Optional.empty(),
            new TreeSet<>(),
            TrafficSplit.of(Map.of(1L, 100)),
            ShadowSetting.of(3, 25));

    assertThat(decisions.save("m", decision)).isTrue();

    assertThat(new ServingDecisions(repo).of("m")).isEqualTo(decision);
    assertThat(new ServingDecisions(repo).of("m").withShadow(ShadowSetting.NONE).isEmpty())
        .isFalse();
  }

  @Test
  void anInvalidStoredShadowIsIgnoredAloneKeepingThePin() throws IOException {
    Files.createDirectories(repo.resolve(".serving"));
    Files.writeString(
        repo.resolve(".serving/m.json"),
        "{\"pinned\": \"2\", \"held\": [], \"shadow\": {\"version\": \"1\", \"percent\": 500}}");

    ServingDecisions.Decision read = new ServingDecisions(repo).of("m");

    assertThat(read.pin()).contains(2L);
    assertThat(read.shadow()).isEqualTo(ShadowSetting.NONE);
  }
}
