package org.modelserver.runtime.train.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;

/** A dataset path can reach files inside the data folder and nothing else. */
class DatasetSourceTest {
  @TempDir Path temp;
  private Path root;

  @BeforeEach
  void files() throws IOException {
    root = Files.createDirectories(temp.resolve("data"));
    Files.createDirectories(root.resolve("sets"));
    Files.writeString(root.resolve("sets/points.csv"), "x,target\n1,2\n");
    Files.writeString(temp.resolve("secret.csv"), "x,target\n");
  }

  private static void assertRefused(Path root, String relative, String message) {
    assertThatThrownBy(() -> DatasetSource.resolveDataPath(root, relative))
        .isInstanceOfSatisfying(
            ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessageContaining(message);
  }

  @Test
  void resolvesAFileInsideTheDataFolder() throws IOException {
    assertThat(DatasetSource.resolveDataPath(root, "sets/points.csv"))
        .isEqualTo(root.resolve("sets/points.csv").toRealPath());
    assertThat(DatasetSource.resolveDataPath(root, "./sets/points.csv"))
        .isEqualTo(root.resolve("sets/points.csv").toRealPath());
  }

  @Test
  void readsTheBytesOfEitherSource() {
    assertThat(new DatasetSource.DataFile(DatasetFormat.CSV, "sets/points.csv").read(root))
        .asString()
        .isEqualTo("x,target\n1,2\n");
    assertThat(new DatasetSource.Inline(DatasetFormat.JSONL, "{\"x\": 1}").read(root))
        .asString()
        .isEqualTo("{\"x\": 1}");
  }

  @Test
  void refusesAbsolutePaths() {
    assertRefused(root, temp.resolve("secret.csv").toString(), "is absolute");
  }

  @Test
  void refusesParentSegments() {
    assertRefused(root, "../secret.csv", "contains '..'");
    assertRefused(root, "sets/../../secret.csv", "contains '..'");
  }

  @Test
  void refusesSymbolicLinksLeadingOutside() throws IOException {
    Files.createSymbolicLink(root.resolve("link.csv"), temp.resolve("secret.csv"));
    Files.createSymbolicLink(root.resolve("outside"), temp);

    assertRefused(root, "link.csv", "leads outside the server's data folder");
    assertRefused(root, "outside/secret.csv", "leads outside the server's data folder");
  }

  @Test
  void followsSymbolicLinksThatStayInside() throws IOException {
    Files.createSymbolicLink(root.resolve("alias.csv"), root.resolve("sets/points.csv"));

    assertThat(DatasetSource.resolveDataPath(root, "alias.csv"))
        .isEqualTo(root.resolve("sets/points.csv").toRealPath());
  }

  @Test
  void refusesMissingFilesAndFolders() {
    assertRefused(root, "sets/none.csv", "does not exist in the server's data folder");
    assertRefused(root, "sets", "is not a regular file");
    assertRefused(root, " ", "dataset.path is empty");
  }
}
