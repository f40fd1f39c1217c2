package org.modelserver.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;

class TrafficSplitTest {
  @TempDir Path repo;

  @Test
  void aValidSplitKeepsItsSharesInVersionOrder() {
    assertThat(TrafficSplit.of(Map.of(3L, 5, 1L, 95)).shares())
        .containsExactly(Map.entry(1L, 95), Map.entry(3L, 5));
  }

  @Test
  void invalidSplitsNameWhatIsWrong() {
    assertInvalid(Map.of(), "at least one version");
    assertInvalid(Map.of(1L, 90), "must sum to 100, got 90");
    assertInvalid(Map.of(1L, 0, 2L, 100), "from 1 to 100, got 0");
    assertInvalid(Map.of(1L, 101), "from 1 to 100, got 101");
    assertInvalid(Map.of(0L, 100), "positive version number");
    assertInvalid(
        Map.of(1L, 20, 2L, 20, 3L, 20, 4L, 20, 5L, 10, 6L, 10), "at most 5 versions, got 6");
  }

  private static void assertInvalid(Map<Long, Integer> shares, String message) {
    assertThatThrownBy(() -> TrafficSplit.of(shares))
        .isInstanceOfSatisfying(
            ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessageContaining(message);
  }

  @Test
  void aSplitWithoutReadyVersionsLeavesTheChoiceToTheDefault() {
    TrafficSplit split = TrafficSplit.of(Map.of(1L, 90, 2L, 10));
    TreeMap<Long, ModelVersion> versions = new TreeMap<>();
    versions.put(1L, ModelVersion.unavailable("m", 1, "failed"));

    assertThat(split.choose(versions, new Random(1), RequestHeaders.NONE)).isEmpty();
    assertThat(TrafficSplit.NONE.choose(versions, new Random(1), RequestHeaders.NONE)).isEmpty();
  }

  @Test
  void stickyHeadersAreCheckedAndKeptInLowerCase() {
    TrafficSplit split = TrafficSplit.of(Map.of(1L, 90, 2L, 10));
    assertThat(split.withStickyHeader(Optional.of("X-User-Id")).stickyHeader())
        .contains("x-user-id");
    assertThat(split.withStickyHeader(Optional.empty())).isEqualTo(split);
    for (String bad : new String[] {"", "x user", "x-data-bin", "a:b", "x".repeat(65)}) {
      assertThatThrownBy(() -> split.withStickyHeader(Optional.of(bad)))
          .isInstanceOf(ServingException.class)
          .hasMessageContaining("'sticky_header' must name a header");
    }
  }

  @Test
  void bucketsSpreadKeysByTheirSharesAndKeepEachKeyInOne() {
    int[] counts = new int[100];
    for (int user = 0; user < 100_000; user++) {
      counts[TrafficSplit.bucket("user-" + user, 100)]++;
    }
    for (int count : counts) {
      // 1,000 expected per bucket, binomial sd 31.5: 850..1150 is 4.8 sd either side.
      assertThat(count).isBetween(850, 1150);
    }
    assertThat(TrafficSplit.bucket("user-7", 100)).isEqualTo(TrafficSplit.bucket("user-7", 100));
  }

  @Test
  void theSplitIsStoredWithThePinAndReadBack() {
    ServingDecisions decisions = new ServingDecisions(repo);
    ServingDecisions.Decision decision =
        new ServingDecisions.Decision(
            Optional.of(1L),
            new TreeSet<>(),
            TrafficSplit.of(Map.of(1L, 95, 3L, 5)).withStickyHeader(Optional.of("x-user")));

    assertThat(decisions.save("m", decision)).isTrue();

    assertThat(new ServingDecisions(repo).of("m")).isEqualTo(decision);
  }

  @Test
  void clearingTheLastDecisionRemovesTheFile() {
    ServingDecisions decisions = new ServingDecisions(repo);
    TrafficSplit split = TrafficSplit.of(Map.of(2L, 100));
    decisions.save("m", ServingDecisions.Decision.NONE.withSplit(split));
    assertThat(repo.resolve(".serving/m.json")).exists();

    decisions.save("m", ServingDecisions.Decision.NONE);

    assertThat(Files.exists(repo.resolve(".serving/m.json"))).isFalse();
  }

  @Test
  void anInvalidStoredSplitIsIgnoredAndThePinKept() throws Exception {
    Files.createDirectories(repo.resolve(".serving"));
    Files.writeString(
        repo.resolve(".serving/m.json"),
        "{\"pinned\":\"1\",\"held\":[],\"traffic\":{\"1\":60,\"2\":60}}");

    ServingDecisions.Decision read = new ServingDecisions(repo).of("m");

    assertThat(read.pin()).contains(1L);
    assertThat(read.split()).isEqualTo(TrafficSplit.NONE);
  }
}
