package org.modelserver.runtime.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.UnixStat;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;

class ModelUploadTest {
  private static final UploadLimits LIMITS = new UploadLimits(1 << 20, 100);
  private static final byte[] ONNX = "onnx-bytes".getBytes(StandardCharsets.UTF_8);

  @TempDir Path tmp;

  private Path staging() {
    return tmp.resolve("staging");
  }

  // ---- good archives ----

  @Test
  void zipWithoutTopFolderIsStagedAsTheModelFolder() throws IOException {
    byte[] zip =
        new Zip()
            .file("config.yaml", "platform: onnxruntime_onnx\n")
            .file("labels.txt", "cat\ndog\n")
            .folder("1/")
            .file("1/model.onnx", ONNX)
            .bytes();

    try (ModelUpload upload = fromArchive(zip, "m")) {
      assertThat(upload.dir()).isEqualTo(upload.dir().getParent().resolve("m"));
      assertThat(upload.dir()).startsWith(staging());
      assertThat(upload.versions()).containsExactly(1L);
      assertThat(upload.config()).contains(upload.dir().resolve("config.yaml"));
      assertThat(upload.topLevelFiles())
          .containsExactly(upload.dir().resolve("config.yaml"), upload.dir().resolve("labels.txt"));
      assertThat(upload.dir().resolve("1/model.onnx")).hasBinaryContent(ONNX);
      assertThat(upload.dir().resolve("labels.txt")).hasContent("cat\ndog");
      assertThat(listNames(upload.dir()))
          .containsExactlyInAnyOrder("1", "config.yaml", "labels.txt");
    }
  }

  @Test
  void zipWithTheModelsTopFolderHasItStripped() throws IOException {
    byte[] zip =
        new Zip()
            .folder("m/")
            .folder("m/1/")
            .file("m/1/model.onnx", ONNX)
            .file("m/2/model.pt", "torch")
            .bytes();

    try (ModelUpload upload = fromArchive(zip, "m")) {
      assertThat(upload.versions()).containsExactly(1L, 2L);
      assertThat(upload.config()).isEmpty();
      assertThat(upload.topLevelFiles()).isEmpty();
      assertThat(upload.dir().resolve("1/model.onnx")).hasBinaryContent(ONNX);
      assertThat(upload.dir().resolve("2/model.pt")).hasContent("torch");
      assertThat(upload.dir().resolve("m")).doesNotExist();
    }
  }

  @Test
  void tarGzMadeFromTheModelFolderHasItStripped() throws IOException {
    // What `tar czf m.tar.gz m/` writes.
    byte[] tarGz =
        new TarGz()
            .folder("m/")
            .file("m/config.json", "{}")
            .folder("m/3/")
            .file("m/3/model.onnx", ONNX)
            .bytes();

    try (ModelUpload upload = fromArchive(tarGz, "m")) {
      assertThat(upload.versions()).containsExactly(3L);
      assertThat(upload.config()).contains(upload.dir().resolve("config.json"));
      assertThat(upload.dir().resolve("3/model.onnx")).hasBinaryContent(ONNX);
    }
  }

  @Test
  void tarGzWithoutTopFolderAndWithDotSlashPrefixIsStaged() throws IOException {
    // What `tar czf m.tar.gz -C m .` writes.
    byte[] tarGz =
        new TarGz()
            .folder("./")
            .file("./labels.txt", "a\n")
            .folder("./1/")
            .file("./1/model.onnx", ONNX)
            .bytes();

    try (ModelUpload upload = fromArchive(tarGz, "m")) {
      assertThat(upload.versions()).containsExactly(1L);
      assertThat(upload.topLevelFiles()).containsExactly(upload.dir().resolve("labels.txt"));
      assertThat(upload.dir().resolve("1/model.onnx")).hasBinaryContent(ONNX);
    }
  }

  @Test
  void modelNamedLikeAVersionKeepsItsFolderAsTheVersionWhenNothingLiesBelow() throws IOException {
    byte[] zip = new Zip().file("7/model.onnx", ONNX).bytes();

    try (ModelUpload upload = fromArchive(zip, "7")) {
      assertThat(upload.versions()).containsExactly(7L);
    }
  }

  @Test
  void modelNamedLikeAVersionHasItsFolderStrippedWhenVersionsLieBelow() throws IOException {
    byte[] zip = new Zip().file("7/1/model.onnx", ONNX).bytes();

    try (ModelUpload upload = fromArchive(zip, "7")) {
      assertThat(upload.versions()).containsExactly(1L);
      assertThat(upload.dir().resolve("1/model.onnx")).hasBinaryContent(ONNX);
    }
  }

  @Test
  void closeDeletesTheStagedFolderAndCanBeCalledTwice() throws IOException {
    ModelUpload upload = fromArchive(new Zip().file("1/model.onnx", ONNX).bytes(), "m");
    assertThat(upload.dir()).isDirectory();

    upload.close();
    upload.close();

    assertThat(upload.dir()).doesNotExist();
    assertThat(listNames(staging())).isEmpty();
  }

  @Test
  void eachUploadIsStagedInItsOwnFolder() throws IOException {
    byte[] zip = new Zip().file("1/model.onnx", ONNX).bytes();
    try (ModelUpload first = fromArchive(zip, "m");
        ModelUpload second = fromArchive(zip, "m")) {
      assertThat(first.dir()).isNotEqualTo(second.dir());
      assertThat(listNames(staging())).hasSize(2);
    }
  }

  // ---- hostile or malformed archives ----

  @Test
  void zipSlipIsRefused() {
    byte[] zip = new Zip().file("1/model.onnx", ONNX).file("../evil", "x").bytes();
    assertRefused(() -> fromArchive(zip, "m"), "'../evil'", "'..' segment");
    assertThat(tmp.resolve("evil")).doesNotExist();
  }

  @Test
  void tarSlipInsideTheTopFolderIsRefused() {
    byte[] tarGz = new TarGz().file("m/1/model.onnx", ONNX).file("m/1/../../evil", "x").bytes();
    assertRefused(() -> fromArchive(tarGz, "m"), "'m/1/../../evil'", "'..' segment");
    assertThat(tmp.resolve("evil")).doesNotExist();
  }

  @Test
  void absolutePathsAreRefusedInBothFormats() {
    byte[] zip = new Zip().file("1/model.onnx", ONNX).file("/etc/x", "x").bytes();
    assertRefused(() -> fromArchive(zip, "m"), "'/etc/x'", "absolute path");
    byte[] tarGz = new TarGz().file("1/model.onnx", ONNX).file("/etc/x", "x").bytes();
    assertRefused(() -> fromArchive(tarGz, "m"), "'/etc/x'", "absolute path");
  }

  @Test
  void tarSymbolicLinkIsRefused() {
    byte[] tarGz = new TarGz().link("1/model.onnx", "/etc/passwd", TarConstants.LF_SYMLINK).bytes();
    assertRefused(() -> fromArchive(tarGz, "m"), "'1/model.onnx'", "symbolic link");
  }

  @Test
  void tarHardLinkIsRefused() {
    byte[] tarGz =
        new TarGz()
            .file("1/model.onnx", ONNX)
            .link("1/other.onnx", "/etc/passwd", TarConstants.LF_LINK)
            .bytes();
    assertRefused(() -> fromArchive(tarGz, "m"), "'1/other.onnx'", "hard link");
  }

  @Test
  void tarFifoAndDeviceAreRefused() {
    byte[] fifo = new TarGz().file("1/model.onnx", ONNX).special("1/pipe", TarConstants.LF_FIFO);
    assertRefused(() -> fromArchive(fifo, "m"), "'1/pipe'", "device or fifo");
    byte[] device = new TarGz().file("1/model.onnx", ONNX).special("1/tty", TarConstants.LF_CHR);
    assertRefused(() -> fromArchive(device, "m"), "'1/tty'", "device or fifo");
  }

  @Test
  void zipEntryWithSymlinkModeIsRefused() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(bytes)) {
      ZipArchiveEntry link = new ZipArchiveEntry("1/model.onnx");
      link.setUnixMode(UnixStat.LINK_FLAG | 0777);
      out.putArchiveEntry(link);
      out.write("/etc/passwd".getBytes(StandardCharsets.UTF_8));
      out.closeArchiveEntry();
    }
    assertRefused(() -> fromArchive(bytes.toByteArray(), "m"), "'1/model.onnx'", "symbolic link");
  }

  @Test
  void zipBombStopsAtTheByteLimit() {
    byte[] zip = new Zip().file("1/model.onnx", new byte[8 << 20]).bytes();
    assertThat((long) zip.length).isLessThan(LIMITS.maxBytes() / 10);

    assertRefusedAs(
        ErrorKind.TOO_LARGE, () -> fromArchive(zip, "m"), "1048576 bytes", "'1/model.onnx'");
  }

  @Test
  void gzipBombStopsAtTheByteLimit() {
    byte[] tarGz = new TarGz().file("1/model.onnx", new byte[8 << 20]).bytes();
    assertThat((long) tarGz.length).isLessThan(LIMITS.maxBytes() / 10);

    assertRefusedAs(ErrorKind.TOO_LARGE, () -> fromArchive(tarGz, "m"), "1048576 bytes");
  }

  @Test
  void manySmallFilesTogetherPassingTheByteLimitAreRefused() {
    UploadLimits limits = new UploadLimits(1000, 100);
    Zip zip = new Zip();
    for (int i = 0; i < 5; i++) {
      zip.file("1/part" + i, new byte[300]);
    }
    byte[] bytes = zip.bytes();
    assertRefusedAs(
        ErrorKind.TOO_LARGE,
        () -> ModelUpload.fromArchive(new ByteArrayInputStream(bytes), "m", staging(), limits),
        "1000 bytes",
        "'1/part3'");
  }

  @Test
  void tooManyEntriesAreRefused() {
    UploadLimits limits = new UploadLimits(1 << 20, 5);
    TarGz tarGz = new TarGz();
    for (int i = 0; i < 10; i++) {
      tarGz.file("1/file" + i, "x");
    }
    byte[] bytes = tarGz.bytes();
    assertRefusedAs(
        ErrorKind.TOO_LARGE,
        () -> ModelUpload.fromArchive(new ByteArrayInputStream(bytes), "m", staging(), limits),
        "more than 5 entries",
        "'1/file5'");
  }

  @Test
  void unknownTopLevelFolderIsRefused() {
    byte[] zip = new Zip().file("1/model.onnx", ONNX).file("weights/model.onnx", ONNX).bytes();
    assertRefused(() -> fromArchive(zip, "m"), "top-level folder 'weights'", "version folders");
  }

  @Test
  void topFolderNamedForAnotherModelIsRefused() {
    byte[] tarGz = new TarGz().file("other/1/model.onnx", ONNX).bytes();
    assertRefused(() -> fromArchive(tarGz, "m"), "top-level folder 'other'");
  }

  @Test
  void versionWithLeadingZeroIsRefused() {
    byte[] zip = new Zip().file("01/model.onnx", ONNX).bytes();
    assertRefused(() -> fromArchive(zip, "m"), "'01'", "without leading zeros");
  }

  @Test
  void onlyAConfigIsNothingLoadable() {
    byte[] zip = new Zip().file("config.yaml", "name: m\n").bytes();
    assertRefused(() -> fromArchive(zip, "m"), "nothing loadable", "1/model.onnx");
  }

  @Test
  void versionFolderWithOnlyEmptyFilesIsRefused() {
    byte[] tarGz = new TarGz().file("1/model.onnx", ONNX).file("2/model.onnx", "").bytes();
    assertRefused(() -> fromArchive(tarGz, "m"), "version folder 2", "no non-empty file");
  }

  @Test
  void bothConfigFormatsAreRefused() {
    byte[] zip =
        new Zip()
            .file("config.yaml", "a: 1")
            .file("config.json", "{}")
            .file("1/model.onnx", ONNX)
            .bytes();
    assertRefused(() -> fromArchive(zip, "m"), "config.yaml and config.json");
  }

  @ParameterizedTest
  @ValueSource(strings = {".DS_Store", "1/.hidden", ".git/config", "m/.env"})
  void hiddenEntriesAreRefused(String name) {
    byte[] zip = new Zip().file("1/model.onnx", ONNX).file(name, "x").bytes();
    assertRefused(() -> fromArchive(zip, "m"), "'" + name + "'", "hidden");
  }

  @Test
  void controlCharactersAndBackslashesAreRefused() {
    byte[] bell = new TarGz().file("1/model.onnx", ONNX).file("1/a\u0007b", "x").bytes();
    assertRefused(() -> fromArchive(bell, "m"), "'1/a\\u0007b'", "control character");
    byte[] backslash = new TarGz().file("1\\model.onnx", ONNX).bytes();
    assertRefused(() -> fromArchive(backslash, "m"), "'1\\model.onnx'", "backslash");
  }

  @Test
  void backslashesOfAZipMadeOnWindowsAreFolderSeparatorsAndStillChecked() throws IOException {
    // java.util.zip marks its zips as made on FAT, where '\\' separates folders.
    byte[] slip = new Zip().file("1\\model.onnx", ONNX).file("..\\evil", "x").bytes();
    assertRefused(() -> fromArchive(slip, "m"), "'../evil'", "'..' segment");

    byte[] windows = new Zip().file("1\\model.onnx", ONNX).bytes();
    try (ModelUpload upload = fromArchive(windows, "m")) {
      assertThat(upload.dir().resolve("1/model.onnx")).hasBinaryContent(ONNX);
    }
  }

  @Test
  void emptySegmentIsRefused() {
    byte[] tarGz = new TarGz().file("1//model.onnx", ONNX).bytes();
    assertRefused(() -> fromArchive(tarGz, "m"), "'1//model.onnx'", "empty path segment");
  }

  @Test
  void duplicateEntriesAreRefused() {
    byte[] tarGz = new TarGz().file("1/model.onnx", ONNX).file("1/model.onnx", "other").bytes();
    assertRefused(() -> fromArchive(tarGz, "m"), "'1/model.onnx'", "more than once");
  }

  @Test
  void entryBelowAFileIsRefused() {
    byte[] tarGz = new TarGz().file("1/model.onnx", ONNX).file("1/model.onnx/x", "x").bytes();
    assertRefused(() -> fromArchive(tarGz, "m"), "'1/model.onnx/x'", "which is a file");
  }

  @Test
  void somethingThatIsNotAnArchiveIsRefused() {
    byte[] text = "just some text".getBytes(StandardCharsets.UTF_8);
    assertRefused(() -> fromArchive(text, "m"), "expected a .zip or .tar.gz model archive");
    assertRefused(() -> fromArchive(new byte[0], "m"), "expected a .zip or .tar.gz");
  }

  @Test
  void gzipThatHoldsNoTarIsRefused() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GzipCompressorOutputStream gzip = new GzipCompressorOutputStream(bytes)) {
      gzip.write("x".repeat(2000).getBytes(StandardCharsets.UTF_8));
    }
    assertRefused(() -> fromArchive(bytes.toByteArray(), "m"), "corrupt");
  }

  @Test
  void truncatedZipIsRefused() {
    byte[] zip = new Zip().file("1/model.onnx", randomBytes(4000)).bytes();
    byte[] truncated = Arrays.copyOf(zip, zip.length / 2);
    assertRefused(() -> fromArchive(truncated, "m"), "corrupt or truncated");
  }

  @Test
  void truncatedTarGzIsRefused() {
    byte[] tarGz = new TarGz().file("1/model.onnx", randomBytes(4000)).bytes();
    byte[] truncated = Arrays.copyOf(tarGz, tarGz.length / 2);
    assertRefused(() -> fromArchive(truncated, "m"), "corrupt or truncated");
  }

  @Test
  void tarGzMissingOnlyItsGzipTrailerIsRefused() {
    byte[] tarGz = new TarGz().file("1/model.onnx", ONNX).bytes();
    byte[] truncated = Arrays.copyOf(tarGz, tarGz.length - 4);
    assertRefused(() -> fromArchive(truncated, "m"), "corrupt or truncated");
  }

  @Test
  void tarGzWithABadChecksumIsRefused() {
    byte[] tarGz = new TarGz().file("1/model.onnx", ONNX).bytes();
    tarGz[tarGz.length - 8] ^= 0x55; // the gzip trailer's CRC-32
    assertRefused(() -> fromArchive(tarGz, "m"), "corrupt or truncated");
  }

  @Test
  void dataHiddenAfterTheEndOfTheTarIsRefused() throws IOException {
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
      TarArchiveEntry entry = new TarArchiveEntry("1/model.onnx");
      entry.setSize(ONNX.length);
      out.putArchiveEntry(entry);
      out.write(ONNX);
      out.closeArchiveEntry();
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GzipCompressorOutputStream gzip = new GzipCompressorOutputStream(bytes)) {
      gzip.write(tar.toByteArray());
      gzip.write(new byte[4 << 20]);
    }
    assertRefused(() -> fromArchive(bytes.toByteArray(), "m"), "after the end of the tar data");
  }

  @Test
  void invalidModelNameIsRefused() {
    byte[] zip = new Zip().file("1/model.onnx", ONNX).bytes();
    assertRefused(() -> fromArchive(zip, "../m"), "model name '../m'");
    assertRefused(() -> fromArchive(zip, ".staging"), "model name '.staging'");
  }

  // ---- load-request files ----

  @Test
  void filesAreStagedLikeAModelFolder() throws IOException {
    Map<String, byte[]> files = new HashMap<>();
    files.put("1/model.onnx", ONNX);
    files.put(
        "config.json", "{\"platform\":\"onnxruntime_onnx\"}".getBytes(StandardCharsets.UTF_8));
    files.put("labels.txt", "a\nb\n".getBytes(StandardCharsets.UTF_8));

    try (ModelUpload upload = ModelUpload.fromFiles(files, "m", staging(), LIMITS)) {
      assertThat(upload.versions()).containsExactly(1L);
      assertThat(upload.config()).contains(upload.dir().resolve("config.json"));
      assertThat(upload.topLevelFiles()).hasSize(2);
      assertThat(upload.dir().resolve("1/model.onnx")).hasBinaryContent(ONNX);
      assertThat(upload.dir().resolve("labels.txt")).hasContent("a\nb");
    }
    assertThat(listNames(staging())).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../evil",
        "1/../../evil",
        "/etc/passwd",
        "1\\model.onnx",
        "1//model.onnx",
        "1/",
        ".hidden",
        "1/.hidden",
        "1/a\u0000b",
        "1/a\nb"
      })
  void hostileFileNamesAreRefused(String name) {
    Map<String, byte[]> files = new HashMap<>();
    files.put("1/model.onnx", ONNX);
    files.put(name, ONNX);

    assertRefused(
        () -> ModelUpload.fromFiles(files, "m", staging(), LIMITS),
        "'" + UploadStager.printable(name) + "'");
  }

  @Test
  void filesFollowTheLayoutRules() {
    Map<String, byte[]> onlyConfig = Map.of("config.json", "{}".getBytes(StandardCharsets.UTF_8));
    assertRefused(
        () -> ModelUpload.fromFiles(onlyConfig, "m", staging(), LIMITS), "nothing loadable");
    Map<String, byte[]> leadingZero = Map.of("01/model.onnx", ONNX);
    assertRefused(() -> ModelUpload.fromFiles(leadingZero, "m", staging(), LIMITS), "'01'");
    Map<String, byte[]> fileAndFolder = Map.of("1", ONNX, "1/model.onnx", ONNX);
    assertRefused(
        () -> ModelUpload.fromFiles(fileAndFolder, "m", staging(), LIMITS), "which is a file");
  }

  @Test
  void filesFollowTheLimits() {
    Map<String, byte[]> big = Map.of("1/model.onnx", new byte[2000]);
    assertRefusedAs(
        ErrorKind.TOO_LARGE,
        () -> ModelUpload.fromFiles(big, "m", staging(), new UploadLimits(1000, 10)),
        "1000 bytes");
    Map<String, byte[]> many = new LinkedHashMap<>();
    for (int i = 0; i < 4; i++) {
      many.put("1/f" + i, ONNX);
    }
    assertRefusedAs(
        ErrorKind.TOO_LARGE,
        () -> ModelUpload.fromFiles(many, "m", staging(), new UploadLimits(1000, 3)),
        "more than 3 entries");
  }

  @Test
  void fileWithoutContentIsRefused() {
    Map<String, byte[]> files = new HashMap<>();
    files.put("1/model.onnx", null);
    assertRefused(() -> ModelUpload.fromFiles(files, "m", staging(), LIMITS), "has no content");
  }

  // ---- helpers ----

  private ModelUpload fromArchive(byte[] archive, String modelName) {
    return ModelUpload.fromArchive(new ByteArrayInputStream(archive), modelName, staging(), LIMITS);
  }

  private void assertRefused(ThrowingCallable call, String... messageParts) {
    assertRefusedAs(ErrorKind.INVALID_ARGUMENT, call, messageParts);
  }

  private void assertRefusedAs(ErrorKind kind, ThrowingCallable call, String... messageParts) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            ServingException.class, e -> assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind))
        .message()
        .contains(messageParts);
    assertThat(listNames(staging())).as("left in the staging root").isEmpty();
  }

  private static List<String> listNames(Path dir) {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(dir)) {
      return children.map(path -> path.getFileName().toString()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    new java.util.Random(42).nextBytes(bytes);
    return bytes;
  }

  /** A zip written with java.util.zip; names ending in '/' are folders. */
  private static final class Zip {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final ZipOutputStream out = new ZipOutputStream(bytes);

    Zip file(String name, String content) {
      return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    Zip file(String name, byte[] content) {
      try {
        out.putNextEntry(new ZipEntry(name));
        out.write(content);
        out.closeEntry();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    Zip folder(String name) {
      return file(name, new byte[0]);
    }

    byte[] bytes() {
      try {
        out.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }
  }

  /** A tar.gz written with commons-compress, names kept exactly as given. */
  private static final class TarGz {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream out;

    TarGz() {
      try {
        out = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    TarGz file(String name, String content) {
      return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    TarGz file(String name, byte[] content) {
      TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
      entry.setSize(content.length);
      return put(entry, content);
    }

    TarGz folder(String name) {
      return put(new TarArchiveEntry(name, TarConstants.LF_DIR, true), new byte[0]);
    }

    TarGz link(String name, String target, byte flag) {
      TarArchiveEntry entry = new TarArchiveEntry(name, flag, true);
      entry.setLinkName(target);
      return put(entry, new byte[0]);
    }

    byte[] special(String name, byte flag) {
      return put(new TarArchiveEntry(name, flag, true), new byte[0]).bytes();
    }

    private TarGz put(TarArchiveEntry entry, byte[] content) {
      try {
        out.putArchiveEntry(entry);
        out.write(content);
        out.closeArchiveEntry();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    byte[] bytes() {
      try {
        out.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }
  }
}
