package org.modelserver.runtime.repository;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;

/**
 * Reads a model archive (.zip or .tar.gz, told apart by their magic bytes) into an {@link
 * UploadStager}. Only regular files and folders pass; links, devices and fifos are refused. A tar's
 * header entries (PAX, GNU long names) are bounded by {@link TarHeaderGuard} before they are read.
 */
final class UploadArchives {
  static final String EXPECTED_ARCHIVE = "expected a .zip or .tar.gz model archive";

  /** Bytes a tar may hold after its end marker: padding to a record, never more than this. */
  private static final long MAX_TAR_TRAILER = 1 << 20;

  /** Room for zip headers and the central directory on top of the extracted bytes. */
  private static final long ZIP_BYTES_PER_ENTRY = 1024;

  private static final int UNIX_TYPE_MASK = 0170000;
  private static final int UNIX_FOLDER = 0040000;
  private static final int UNIX_FILE = 0100000;

  private UploadArchives() {}

  /**
   * Extracts the archive {@code in} holds; {@code in} is read but not closed.
   *
   * @param spool a file the archive may be copied to first (a zip is read from its central
   *     directory, the only place that records which entries are links)
   */
  static void extract(InputStream in, Path spool, UploadStager stager, UploadLimits limits)
      throws IOException {
    InputStream buffered = new BufferedInputStream(new KeepOpen(in));
    buffered.mark(4);
    byte[] magic = input("the archive", () -> buffered.readNBytes(4));
    buffered.reset();
    if (magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4) {
      extractZip(buffered, spool, stager, limits);
    } else if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      extractTarGz(buffered, stager);
    } else {
      throw ServingException.invalidArgument(
          "upload is neither a zip nor a gzip file; " + EXPECTED_ARCHIVE);
    }
  }

  private static void extractZip(
      InputStream in, Path spool, UploadStager stager, UploadLimits limits) throws IOException {
    spoolWithinLimit(in, spool, zipSpoolLimit(limits));
    try (ZipFile zip =
        input(
            "the zip archive",
            () -> ZipFile.builder().setPath(spool).setCharset(StandardCharsets.UTF_8).get())) {
      for (ZipArchiveEntry entry : Collections.list(zip.getEntries())) {
        String name = entry.getName();
        int type = entry.getUnixMode() & UNIX_TYPE_MASK;
        if (entry.isUnixSymlink()) {
          throw UploadStager.invalidEntry(name, "is a symbolic link; links are not allowed");
        }
        if (type != 0 && type != UNIX_FILE && type != UNIX_FOLDER) {
          throw UploadStager.invalidEntry(
              name, "is a device, fifo or socket; only regular files and folders are allowed");
        }
        if (entry.isDirectory() || type == UNIX_FOLDER) {
          stager.addFolder(name);
          continue;
        }
        if (!zip.canReadEntryData(entry)) {
          throw UploadStager.invalidEntry(
              name, "is encrypted or uses an unsupported compression method");
        }
        try (InputStream data = input("entry '" + name + "'", () -> zip.getInputStream(entry))) {
          stager.addFile(name, data);
        }
      }
    } finally {
      Files.deleteIfExists(spool);
    }
  }

  private static void extractTarGz(InputStream in, UploadStager stager) throws IOException {
    GzipCompressorInputStream gzip =
        input("the gzip stream", () -> new GzipCompressorInputStream(in));
    TarHeaderGuard guard = new TarHeaderGuard(gzip);
    try (TarArchiveInputStream tar = new TarArchiveInputStream(guard, "UTF-8")) {
      TarArchiveEntry entry;
      while ((entry = nextTarEntry(tar, guard)) != null) {
        String name = entry.getName();
        if (!entry.isCheckSumOK()) {
          throw UploadStager.invalidEntry(name, "has a corrupt tar header (bad checksum)");
        }
        if (entry.isSymbolicLink()) {
          throw UploadStager.invalidEntry(
              name, "is a symbolic link (to '" + entry.getLinkName() + "'); links are not allowed");
        }
        if (entry.isLink()) {
          throw UploadStager.invalidEntry(
              name, "is a hard link (to '" + entry.getLinkName() + "'); links are not allowed");
        }
        if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
          throw UploadStager.invalidEntry(
              name, "is a device or fifo; only regular files and folders are allowed");
        }
        if (entry.isDirectory()) {
          stager.addFolder(name);
        } else if (isRegularFile(entry)) {
          stager.addFile(name, tar);
        } else {
          throw UploadStager.invalidEntry(
              name,
              "has tar entry type '"
                  + (char) entry.getLinkFlag()
                  + "'; only regular files and folders are allowed");
        }
      }
      // Reading to the end verifies the gzip trailer (CRC and length), so truncation shows.
      drainTrailer(gzip);
    }
  }

  private static TarArchiveEntry nextTarEntry(TarArchiveInputStream tar, TarHeaderGuard guard) {
    guard.beforeNextEntry();
    TarArchiveEntry entry = input("the tar archive", tar::getNextEntry);
    if (entry != null) {
      // The reader reads no data for a folder, whatever its size field says.
      guard.afterEntry(entry.isDirectory() ? 0 : entry.getSize());
    }
    return entry;
  }

  private static boolean isRegularFile(TarArchiveEntry entry) {
    byte flag = entry.getLinkFlag();
    return (flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM) && !entry.isSparse();
  }

  private static void drainTrailer(InputStream gzip) {
    byte[] buffer = new byte[8192];
    long trailer = 0;
    while (true) {
      int n = input("the gzip stream", () -> gzip.read(buffer));
      if (n < 0) {
        return;
      }
      trailer += n;
      if (trailer > MAX_TAR_TRAILER) {
        throw ServingException.invalidArgument(
            "archive holds more than " + MAX_TAR_TRAILER + " bytes after the end of the tar data");
      }
    }
  }

  private static void spoolWithinLimit(InputStream in, Path spool, long limit) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long total = 0;
    try (OutputStream out =
        Files.newOutputStream(spool, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      while (true) {
        int n = input("the archive", () -> in.read(buffer));
        if (n < 0) {
          return;
        }
        total += n;
        if (total > limit) {
          throw new ServingException(
              ErrorKind.TOO_LARGE,
              "zip archive is larger than " + limit + " bytes, the most the upload limits allow");
        }
        out.write(buffer, 0, n);
      }
    }
  }

  private static long zipSpoolLimit(UploadLimits limits) {
    long overhead = limits.maxEntries() * ZIP_BYTES_PER_ENTRY + 64 * 1024;
    return limits.maxBytes() > Long.MAX_VALUE - overhead
        ? Long.MAX_VALUE
        : limits.maxBytes() + overhead;
  }

  /** Runs a read of the archive, turning its failures into the caller's error. */
  private static <T> T input(String what, InputRead<T> read) {
    try {
      return read.get();
    } catch (ServingException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw ServingException.invalidArgument(
          "cannot read "
              + UploadStager.printable(what)
              + ", the archive is corrupt or truncated: "
              + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName())
              + "; "
              + EXPECTED_ARCHIVE);
    }
  }

  @FunctionalInterface
  private interface InputRead<T> {
    T get() throws IOException;
  }

  /** The caller's stream, which closing our wrappers must leave open. */
  private static final class KeepOpen extends FilterInputStream {
    KeepOpen(InputStream in) {
      super(in);
    }

    @Override
    public void close() {}
  }
}
