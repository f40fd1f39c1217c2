package org.modelserver.runtime.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.DeflaterInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.tar.TarUtils;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;

/** Tar header entries (PAX, GNU long names) are bounded before the tar reader buffers them. */
class TarHeaderGuardTest {
  private static final UploadLimits LIMITS = new UploadLimits(1 << 20, 100);
  private static final byte[] ONNX = "onnx-bytes".getBytes(StandardCharsets.UTF_8);
  private static final long GIB = 1L << 30;

  @TempDir Path tmp;

  @ParameterizedTest
  @CsvSource({
    "x, PAX extended header",
    "X, PAX extended header",
    "g, PAX global header",
    "L, GNU long name",
    "K, GNU long link name"
  })
  void aHeaderEntryDeclaringAGibibyteIsRefusedByTypeAndBound(char type, String kind) {
    byte[] archive = new RawTar().header("././@Header", (byte) type, GIB).tarGz();
    assertThat(archive.length).isLessThan(1000);

    assertThatThrownBy(() -> fromArchive(archive))
        .isInstanceOfSatisfying(
            ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessage(
            "tar archive has a "
                + kind
                + " entry (type '"
                + type
                + "') of 1073741824 bytes; header entries may hold at most 65536 bytes");
  }

  @Test
  void aGnuLongNameOfGibibytesInTheStreamIsRefusedBeforeItIsRead() {
    // 3 GiB of zeros, deflated only as the upload reads them: the old reader buffered a long
    // name whole, and ran out of memory at 2 GiB.
    long declared = 3 * GIB;
    byte[] block = RawTar.block("././@LongLink", TarConstants.LF_GNUTYPE_LONGNAME, declared);
    Zeros zeros = new Zeros(declared);
    InputStream archive = lazyGzip(new SequenceInputStream(new ByteArrayInputStream(block), zeros));

    ServingException refused =
        assertTimeoutPreemptively(
            Duration.ofSeconds(30),
            () -> {
              try {
                ModelUpload.fromArchive(archive, "m", tmp.resolve("staging"), LIMITS).close();
              } catch (ServingException e) {
                return e;
              }
              throw new AssertionError("the archive was accepted");
            });

    assertThat(refused).hasMessageContaining("GNU long name entry (type 'L') of 3221225472 bytes");
    assertThat(zeros.served).as("bytes of the long name produced").isLessThan(64L << 20);
  }

  @Test
  void aBase256SizeIsRead() {
    byte[] block = RawTar.block("././@PaxHeader", TarConstants.LF_PAX_EXTENDED_HEADER_LC, 0);
    Arrays.fill(block, 124, 136, (byte) 0);
    block[124] = (byte) 0x80;
    block[130] = 1; // 2^40
    RawTar.checksum(block);
    byte[] archive = new RawTar().raw(block).tarGz();

    assertThatThrownBy(() -> fromArchive(archive))
        .hasMessageContaining("(type 'x') of 1099511627776 bytes");
  }

  @Test
  void headerEntriesWithinTheBoundAreRead() throws IOException {
    byte[] archive =
        new RawTar()
            .pax(TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER, "comment", "g".repeat(60_000))
            .pax(TarConstants.LF_PAX_EXTENDED_HEADER_LC, "comment", "x".repeat(60_000))
            .longName(TarConstants.LF_GNUTYPE_LONGNAME, "1/model.onnx")
            .file("ignored-short-name", ONNX)
            .tarGz();

    try (ModelUpload upload = fromArchive(archive)) {
      assertThat(upload.dir().resolve("1/model.onnx")).hasBinaryContent(ONNX);
    }
  }

  @Test
  void aChainOfHeaderEntriesIsBoundedAsAWhole() {
    RawTar tar = new RawTar();
    for (int i = 0; i < 6; i++) {
      tar.pax(TarConstants.LF_PAX_EXTENDED_HEADER_LC, "comment", "x".repeat(60_000));
    }
    byte[] archive = tar.file("1/model.onnx", ONNX).tarGz();

    assertThatThrownBy(() -> fromArchive(archive))
        .isInstanceOf(ServingException.class)
        .hasMessageContaining("more than 327680 bytes of headers");
  }

  @Test
  void fileDataThatLooksLikeAHeaderIsNotInspected() throws IOException {
    byte[] content = concat(RawTar.block("fake", TarConstants.LF_GNUTYPE_LONGNAME, GIB), ONNX);
    byte[] archive = new RawTar().file("1/model.onnx", content).tarGz();

    try (ModelUpload upload = fromArchive(archive)) {
      assertThat(upload.dir().resolve("1/model.onnx")).hasBinaryContent(content);
    }
  }

  @Test
  void dataLengthFromAPaxSizeRecordIsSkipped() throws IOException {
    // The reader takes the size from the PAX record, not the header block's 0.
    byte[] content = concat(RawTar.block("fake", TarConstants.LF_GNUTYPE_LONGNAME, GIB), ONNX);
    byte[] archive =
        new RawTar()
            .pax(TarConstants.LF_PAX_EXTENDED_HEADER_LC, "size", Integer.toString(content.length))
            .header("1/model.onnx", TarConstants.LF_NORMAL, 0)
            .data(content)
            .tarGz();

    try (ModelUpload upload = fromArchive(archive)) {
      assertThat(upload.dir().resolve("1/model.onnx")).hasBinaryContent(content);
    }
  }

  @Test
  void aHeaderRightAfterDataShortenedByAPaxSizeRecordIsInspected() {
    // The header block says 1024 bytes of data follow, the PAX record 0: the reader's view holds.
    byte[] archive =
        new RawTar()
            .pax(TarConstants.LF_PAX_EXTENDED_HEADER_LC, "size", "0")
            .header("1/model.onnx", TarConstants.LF_NORMAL, 1024)
            .header("././@PaxHeader", TarConstants.LF_PAX_EXTENDED_HEADER_LC, GIB)
            .tarGz();

    assertThatThrownBy(() -> fromArchive(archive))
        .hasMessageContaining("PAX extended header entry (type 'x') of 1073741824 bytes");
  }

  // ---- helpers ----

  private ModelUpload fromArchive(byte[] archive) {
    return ModelUpload.fromArchive(
        new ByteArrayInputStream(archive), "m", tmp.resolve("staging"), LIMITS);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  /** A gzip member whose content is deflated only as it is read; it has no trailer. */
  private static InputStream lazyGzip(InputStream content) {
    byte[] header = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    return new SequenceInputStream(
        new ByteArrayInputStream(header),
        new DeflaterInputStream(content, new Deflater(Deflater.BEST_SPEED, true)));
  }

  /** {@code size} zero bytes, counting how many were read. */
  private static final class Zeros extends InputStream {
    private final long size;
    volatile long served;

    Zeros(long size) {
      this.size = size;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : 0;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
      if (served >= size) {
        return -1;
      }
      int n = (int) Math.min(length, size - served);
      Arrays.fill(buffer, offset, offset + n, (byte) 0);
      served += n;
      return n;
    }
  }

  /** A tar written block by block, so that sizes and types can be anything. */
  private static final class RawTar {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static byte[] block(String name, byte type, long size) {
      TarArchiveEntry entry = new TarArchiveEntry(name, type);
      entry.setSize(size);
      byte[] block = new byte[512];
      entry.writeEntryHeader(block);
      return block;
    }

    /** Rewrites the header checksum after the block was changed. */
    static void checksum(byte[] block) {
      Arrays.fill(block, 148, 156, (byte) ' ');
      TarUtils.formatCheckSumOctalBytes(TarUtils.computeCheckSum(block), block, 148, 8);
    }

    RawTar raw(byte[] bytes) {
      out.writeBytes(bytes);
      return this;
    }

    RawTar header(String name, byte type, long size) {
      return raw(block(name, type, size));
    }

    RawTar data(byte[] bytes) {
      raw(bytes);
      return raw(new byte[(512 - bytes.length % 512) % 512]);
    }

    RawTar file(String name, byte[] content) {
      return header(name, TarConstants.LF_NORMAL, content.length).data(content);
    }

    RawTar longName(byte type, String name) {
      byte[] bytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
      return header("././@LongLink", type, bytes.length).data(bytes);
    }

    /** A PAX header entry with one "length key=value\n" record. */
    RawTar pax(byte type, String key, String value) {
      String body = " " + key + "=" + value + "\n";
      int length = body.length() + Integer.toString(body.length()).length();
      if (Integer.toString(length).length() != Integer.toString(body.length()).length()) {
        length++;
      }
      byte[] record = (length + body).getBytes(StandardCharsets.UTF_8);
      return header("././@PaxHeader", type, record.length).data(record);
    }

    byte[] tarGz() {
      raw(new byte[1024]);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (GzipCompressorOutputStream gzip = new GzipCompressorOutputStream(bytes)) {
        gzip.write(out.toByteArray());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }
  }
}
