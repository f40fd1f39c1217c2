package org.modelserver.runtime.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.config.ModelConfigParser;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;

class RepositoryWriterTest {
  private static final UploadLimits LIMITS = new UploadLimits(1 << 20, 100);

  @TempDir Path tmp;

  private Path root;
  private RepositoryWriter writer;

  @BeforeEach
  void existingModel() throws IOException {
    root = tmp.resolve("repo");
    write(root.resolve("m/config.yaml"), "old config");
    write(root.resolve("m/labels.txt"), "old labels");
    write(root.resolve("m/1/model.onnx"), "old v1");
    writer = new RepositoryWriter(root);
  }

  @Test
  void stagingRootIsAHiddenFolderInTheRepository() {
    assertThat(writer.stagingRoot()).isEqualTo(root.toAbsolutePath().resolve(".staging"));
  }

  @Test
  void newModelArrivesComplete() throws IOException {
    byte[] zip = zip(Map.of("n/config.yaml", "new config", "n/1/model.onnx", "n v1"));
    try (ModelUpload upload = fromArchive(zip, "n")) {
      RepositoryWriter.Installation installation = writer.install(upload, false);
      installation.commit();

      assertThat(installation.versions()).containsExactly(1L);
    }
    assertThat(root.resolve("n/config.yaml")).hasContent("new config");
    assertThat(root.resolve("n/1/model.onnx")).hasContent("n v1");
    assertThat(new ModelRepository(root).scan())
        .extracting(ModelSource::name)
        .containsExactly("m", "n");
    assertStagingEmpty();
  }

  @Test
  void anInstallACrashLeftUncommittedIsRolledBackAtTheNextStart() throws IOException {
    Map<String, String> before = snapshot();
    try (ModelUpload upload =
        fromFiles(
            Map.of("1/model.onnx", "new v1", "2/model.onnx", "new v2", "labels.txt", "new"), "m")) {
      // Placed, never committed or rolled back: what a kill -9 before validation leaves.
      writer.install(upload, true);
    }
    assertThat(root.resolve("m/1/model.onnx")).hasContent("new v1");
    assertThat(root.resolve("m/labels.txt")).hasContent("new");

    List<String> recovered = new RepositoryWriter(root).recoverInterrupted();

    assertThat(recovered).hasSize(1);
    assertThat(recovered.get(0)).startsWith("model m:").contains("restored m/1", "removed m/2");
    assertThat(snapshot()).isEqualTo(before);
    assertThat(writer.stagingRoot()).doesNotExist();
  }

  @Test
  void aNewModelACrashLeftUncommittedIsRemovedAtTheNextStart() throws IOException {
    Map<String, String> before = snapshot();
    try (ModelUpload upload = fromFiles(Map.of("1/model.onnx", "n v1"), "n")) {
      writer.install(upload, false);
    }
    assertThat(root.resolve("n/1/model.onnx")).exists();

    new RepositoryWriter(root).recoverInterrupted();

    assertThat(snapshot()).isEqualTo(before);
    assertThat(root.resolve("n")).doesNotExist();
  }

  @Test
  void aCommittedInstallIsKeptAtTheNextStart() throws IOException {
    try (ModelUpload upload = fromFiles(Map.of("1/model.onnx", "new v1"), "m")) {
      writer.install(upload, true).commit();
    }
    assertThat(new RepositoryWriter(root).recoverInterrupted()).isEmpty();
    assertThat(root.resolve("m/1/model.onnx")).hasContent("new v1");
  }

  @Test
  void rollbackOfANewModelRemovesIt() throws IOException {
    Map<String, String> before = snapshot();
    try (ModelUpload upload = fromFiles(Map.of("1/model.onnx", "n v1"), "n")) {
      RepositoryWriter.Installation installation = writer.install(upload, false);
      assertThat(root.resolve("n/1/model.onnx")).hasContent("n v1");

      installation.rollback();
    }
    assertThat(snapshot()).isEqualTo(before);
    assertStagingEmpty();
  }

  @Test
  void newVersionJoinsTheExistingModel() throws IOException {
    try (ModelUpload upload = fromFiles(Map.of("2/model.onnx", "new v2"), "m")) {
      RepositoryWriter.Installation installation = writer.install(upload, false);
      installation.commit();

      assertThat(installation.versions()).containsExactly(2L);
    }
    assertThat(root.resolve("m/1/model.onnx")).hasContent("old v1");
    assertThat(root.resolve("m/2/model.onnx")).hasContent("new v2");
    assertThat(root.resolve("m/config.yaml")).hasContent("old config");
    assertThat(new ModelRepository(root).find("m").orElseThrow().versions())
        .containsOnlyKeys(1L, 2L);
    assertStagingEmpty();
  }

  @Test
  void topLevelFilesAreReplacedAndRestoredByRollback() throws IOException {
    Map<String, String> before = snapshot();
    Map<String, String> files =
        Map.of(
            "config.yaml", "new config",
            "labels.txt", "new labels",
            "vocab.txt", "new vocab",
            "2/model.onnx", "new v2");
    try (ModelUpload upload = fromFiles(files, "m")) {
      RepositoryWriter.Installation installation = writer.install(upload, false);
      assertThat(root.resolve("m/config.yaml")).hasContent("new config");
      assertThat(root.resolve("m/labels.txt")).hasContent("new labels");
      assertThat(root.resolve("m/vocab.txt")).hasContent("new vocab");

      installation.rollback();
    }
    assertThat(snapshot()).isEqualTo(before);
    assertStagingEmpty();
  }

  @Test
  void configJsonTakesThePlaceOfConfigYaml() throws IOException {
    Map<String, String> before = snapshot();
    Map<String, String> files = Map.of("config.json", "{}", "2/model.onnx", "new v2");
    try (ModelUpload upload = fromFiles(files, "m")) {
      RepositoryWriter.Installation installation = writer.install(upload, false);
      assertThat(root.resolve("m/config.json")).hasContent("{}");
      assertThat(root.resolve("m/config.yaml")).doesNotExist();
      assertThat(ModelConfigParser.configFile(root.resolve("m")))
          .contains(root.resolve("m/config.json"));

      installation.rollback();
    }
    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void configPbtxtTakesThePlaceOfConfigYaml() throws IOException {
    Map<String, String> before = snapshot();
    Map<String, String> files = Map.of("config.pbtxt", "max_batch_size: 4", "2/model.onnx", "v2");
    try (ModelUpload upload = fromFiles(files, "m")) {
      RepositoryWriter.Installation installation = writer.install(upload, false);
      assertThat(root.resolve("m/config.pbtxt")).hasContent("max_batch_size: 4");
      assertThat(root.resolve("m/config.yaml")).doesNotExist();
      assertThat(ModelConfigParser.configFile(root.resolve("m")))
          .contains(root.resolve("m/config.pbtxt"));

      installation.rollback();
    }
    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void existingVersionIsAConflictAndChangesNothing() throws IOException {
    Map<String, String> before = snapshot();
    Map<String, String> files =
        Map.of("config.yaml", "new config", "2/model.onnx", "new v2", "1/model.onnx", "new v1");
    try (ModelUpload upload = fromFiles(files, "m")) {
      assertThatThrownBy(() -> writer.install(upload, false))
          .isInstanceOfSatisfying(
              ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT))
          .hasMessage("model m already has version 1; upload a new version number");
      assertThat(snapshot()).isEqualTo(before);
    }
    assertStagingEmpty();
  }

  @Test
  void replacingAVersionKeepsABackupUntilCommit() throws IOException {
    try (ModelUpload upload = fromFiles(Map.of("1/model.onnx", "new v1"), "m")) {
      RepositoryWriter.Installation installation = writer.install(upload, true);
      assertThat(root.resolve("m/1/model.onnx")).hasContent("new v1");
      assertThat(filesUnder(writer.stagingRoot())).contains("old v1");

      installation.commit();
    }
    assertThat(root.resolve("m/1/model.onnx")).hasContent("new v1");
    assertStagingEmpty();
  }

  @Test
  void rollbackPutsTheReplacedVersionBack() throws IOException {
    Map<String, String> before = snapshot();
    Map<String, String> files = Map.of("labels.txt", "new labels", "1/model.onnx", "new v1");
    try (ModelUpload upload = fromFiles(files, "m")) {
      RepositoryWriter.Installation installation = writer.install(upload, true);
      assertThat(root.resolve("m/1/model.onnx")).hasContent("new v1");

      installation.rollback();
    }
    assertThat(snapshot()).isEqualTo(before);
    assertStagingEmpty();
  }

  @Test
  void commitAndRollbackEndTheInstallationOnce() throws IOException {
    try (ModelUpload upload = fromFiles(Map.of("2/model.onnx", "new v2"), "m")) {
      RepositoryWriter.Installation committed = writer.install(upload, false);
      committed.commit();
      committed.commit();
      committed.rollback();
    }
    assertThat(root.resolve("m/2/model.onnx")).hasContent("new v2");

    Map<String, String> before = snapshot();
    try (ModelUpload upload = fromFiles(Map.of("3/model.onnx", "new v3"), "m")) {
      RepositoryWriter.Installation rolledBack = writer.install(upload, false);
      rolledBack.rollback();
      rolledBack.rollback();
      rolledBack.commit();
    }
    assertThat(snapshot()).isEqualTo(before);
    assertStagingEmpty();
  }

  @Test
  void failureHalfwayIsUndoneBeforeItIsReported() throws IOException {
    Map<String, String> before = snapshot();
    Map<String, String> files =
        Map.of("config.yaml", "new config", "2/model.onnx", "new v2", "3/model.onnx", "new v3");
    try (ModelUpload upload = fromFiles(files, "m")) {
      // The last version vanishes from staging, so the install fails after changing things.
      FileTrees.deleteRecursively(upload.dir().resolve("3"));

      assertThatThrownBy(() -> writer.install(upload, false))
          .isInstanceOfSatisfying(
              ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INTERNAL))
          .hasMessageContaining("model m");
    }
    assertThat(snapshot()).isEqualTo(before);
    assertStagingEmpty();
  }

  @Test
  void fileInThePlaceOfTheModelFolderIsAConflict() throws IOException {
    write(root.resolve("f"), "not a folder");
    Map<String, String> before = snapshot();
    try (ModelUpload upload = fromFiles(Map.of("1/model.onnx", "v1"), "f")) {
      assertThatThrownBy(() -> writer.install(upload, false))
          .isInstanceOfSatisfying(
              ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT))
          .hasMessageContaining("'f', which is not a model folder");
    }
    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void folderInThePlaceOfAnUploadedFileIsAConflict() throws IOException {
    write(root.resolve("m/vocab.txt/inside"), "a folder");
    Map<String, String> before = snapshot();
    try (ModelUpload upload = fromFiles(Map.of("vocab.txt", "file", "2/model.onnx", "v2"), "m")) {
      assertThatThrownBy(() -> writer.install(upload, false))
          .isInstanceOfSatisfying(
              ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT))
          .hasMessageContaining("folder named vocab.txt");
    }
    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void removeStaleStagingDeletesLeftoversWithoutFollowingLinks() throws IOException {
    Path outside = tmp.resolve("outside");
    write(outside.resolve("precious.txt"), "keep me");
    write(writer.stagingRoot().resolve("upload-1/m/1/model.onnx"), "left over");
    Files.createSymbolicLink(writer.stagingRoot().resolve("upload-1/link"), outside);

    writer.recoverInterrupted();

    assertThat(writer.stagingRoot()).doesNotExist();
    assertThat(outside.resolve("precious.txt")).hasContent("keep me");
    assertThat(root.resolve("m/1/model.onnx")).hasContent("old v1");
  }

  @Test
  void stagingIsInvisibleToScans() throws IOException {
    try (ModelUpload upload = fromFiles(Map.of("1/model.onnx", "v1"), "staged")) {
      assertThat(upload.dir()).startsWith(writer.stagingRoot());
      assertThat(new ModelRepository(root).scan())
          .extracting(ModelSource::name)
          .containsExactly("m");
    }
  }

  // ---- helpers ----

  private ModelUpload fromFiles(Map<String, String> files, String modelName) {
    Map<String, byte[]> bytes = new LinkedHashMap<>();
    files.forEach((name, content) -> bytes.put(name, content.getBytes(StandardCharsets.UTF_8)));
    return ModelUpload.fromFiles(bytes, modelName, writer.stagingRoot(), LIMITS);
  }

  private ModelUpload fromArchive(byte[] archive, String modelName) {
    return ModelUpload.fromArchive(
        new ByteArrayInputStream(archive), modelName, writer.stagingRoot(), LIMITS);
  }

  private static byte[] zip(Map<String, String> files) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, String> file : new TreeMap<>(files).entrySet()) {
        out.putNextEntry(new ZipEntry(file.getKey()));
        out.write(file.getValue().getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
    return bytes.toByteArray();
  }

  private static void write(Path file, String content) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  /** Every path in the repository outside the staging root, with each file's bytes. */
  private Map<String, String> snapshot() throws IOException {
    SortedMap<String, String> entries = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.toList()) {
        String name = root.relativize(path).toString();
        if (name.startsWith(".staging")) {
          continue;
        }
        entries.put(
            name,
            Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
                ? "folder"
                : Base64.getEncoder().encodeToString(Files.readAllBytes(path)));
      }
    }
    return entries;
  }

  private static List<String> filesUnder(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      return paths
          .filter(Files::isRegularFile)
          .map(
              path -> {
                try {
                  return Files.readString(path);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .toList();
    }
  }

  private void assertStagingEmpty() throws IOException {
    if (Files.exists(writer.stagingRoot())) {
      try (Stream<Path> children = Files.list(writer.stagingRoot())) {
        assertThat(children.toList()).as("left in the staging root").isEmpty();
      }
    }
  }
}
