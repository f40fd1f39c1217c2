package org.modelserver.runtime.repository;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.modelserver.runtime.error.ServingException;

/**
 * Sits between the decompressed stream and the tar reader, which buffers the content of PAX
 * extended headers and GNU long names whole, whatever size their header block declares. It reads
 * each header block as it passes and refuses an oversized header entry before the reader sees the
 * block; as a backstop, it bounds all the bytes the reader consumes while looking for the next
 * entry (chains of header entries, sparse maps, padding).
 *
 * <p>The extraction loop calls {@link #beforeNextEntry()} before each {@code getNextEntry()} and
 * {@link #afterEntry} with the data length of each entry it returns, which keeps this class in step
 * with the reader without parsing what the reader alone decides (PAX {@code size} records).
 */
final class TarHeaderGuard extends FilterInputStream {
  /** The most content one header entry (PAX 'x', 'X', 'g', GNU 'L', 'K') may hold. */
  static final int MAX_HEADER_ENTRY = 64 * 1024;

  /** The most bytes the reader may consume to reach one entry: a few full header entries. */
  static final int MAX_BYTES_BEFORE_ENTRY = 5 * MAX_HEADER_ENTRY;

  private static final int BLOCK = 512;
  private static final int TYPE_OFFSET = 156;
  private static final int SIZE_OFFSET = 124;
  private static final int SIZE_LENGTH = 12;

  private final byte[] header = new byte[BLOCK];
  private final byte[] one = new byte[1];
  private int headerFill;

  /** Data (with padding) of a header entry or an entry still to pass before the next block. */
  private long dataLeft;

  /** False from an entry's header block until afterEntry says how much data follows it. */
  private boolean inStep = true;

  /** Bytes read since beforeNextEntry, or -1 while the reader reads an entry's data. */
  private long headerBytes = -1;

  TarHeaderGuard(InputStream in) {
    super(in);
  }

  /** The reader is about to look for the next entry: count what it reads until it has one. */
  void beforeNextEntry() {
    headerBytes = 0;
  }

  /**
   * The reader returned an entry whose header block it has just read, and will now read {@code
   * dataLength} bytes of data, padded to a block.
   */
  void afterEntry(long dataLength) {
    headerBytes = -1;
    headerFill = 0;
    dataLeft = padded(dataLength);
    inStep = true;
  }

  @Override
  public int read() throws IOException {
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = in.read(buffer, offset, length);
    if (n > 0) {
      passed(buffer, offset, n);
    }
    return n;
  }

  /** Skips by reading, so that every byte passes the checks. */
  @Override
  public long skip(long n) throws IOException {
    if (n <= 0) {
      return 0;
    }
    byte[] scratch = new byte[(int) Math.min(n, 8192)];
    long skipped = 0;
    while (skipped < n) {
      int got = read(scratch, 0, (int) Math.min(n - skipped, scratch.length));
      if (got < 0) {
        break;
      }
      skipped += got;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  private void passed(byte[] buffer, int offset, int length) {
    if (headerBytes >= 0) {
      headerBytes += length;
      if (headerBytes > MAX_BYTES_BEFORE_ENTRY) {
        throw ServingException.invalidArgument(
            "tar archive has more than "
                + MAX_BYTES_BEFORE_ENTRY
                + " bytes of headers (PAX, GNU long names, sparse maps) before an entry;"
                + " expected a plain tar of files and folders");
      }
    }
    int at = offset;
    int end = offset + length;
    while (inStep && at < end) {
      if (dataLeft > 0) {
        int skipped = (int) Math.min(dataLeft, end - at);
        dataLeft -= skipped;
        at += skipped;
        continue;
      }
      int copied = Math.min(BLOCK - headerFill, end - at);
      System.arraycopy(buffer, at, header, headerFill, copied);
      headerFill += copied;
      at += copied;
      if (headerFill == BLOCK) {
        headerFill = 0;
        inspectHeader();
      }
    }
  }

  /** Checks a header block the reader is about to parse. */
  private void inspectHeader() {
    char type = (char) (header[TYPE_OFFSET] & 0xff);
    String kind = headerEntryKind(type);
    if (kind == null) {
      // An entry (its data length is the reader's to say), or the end of the archive.
      inStep = false;
      return;
    }
    long size = declaredSize();
    if (size < 0) {
      inStep = false; // the reader refuses a size field it cannot parse
      return;
    }
    if (size > MAX_HEADER_ENTRY) {
      throw ServingException.invalidArgument(
          "tar archive has a "
              + kind
              + " entry (type '"
              + type
              + "') of "
              + size
              + " bytes; header entries may hold at most "
              + MAX_HEADER_ENTRY
              + " bytes");
    }
    dataLeft = padded(size);
  }

  private static String headerEntryKind(char type) {
    return switch (type) {
      case 'x', 'X' -> "PAX extended header";
      case 'g' -> "PAX global header";
      case 'L' -> "GNU long name";
      case 'K' -> "GNU long link name";
      default -> null;
    };
  }

  /**
   * The size field: octal digits padded with spaces or NULs, or base-256 (high bit of the first
   * byte set) for large values; Long.MAX_VALUE when too large for a long, -1 when malformed.
   */
  private long declaredSize() {
    int first = header[SIZE_OFFSET] & 0xff;
    if ((first & 0x80) != 0) {
      if (first == 0xff) {
        return -1; // negative
      }
      long value = first & 0x7f;
      for (int i = 1; i < SIZE_LENGTH; i++) {
        if (value > (Long.MAX_VALUE >> 8)) {
          return Long.MAX_VALUE;
        }
        value = (value << 8) | (header[SIZE_OFFSET + i] & 0xff);
      }
      return value;
    }
    long value = 0;
    int i = 0;
    while (i < SIZE_LENGTH && (header[SIZE_OFFSET + i] == ' ' || header[SIZE_OFFSET + i] == 0)) {
      i++;
    }
    for (; i < SIZE_LENGTH; i++) {
      byte b = header[SIZE_OFFSET + i];
      if (b == ' ' || b == 0) {
        break;
      }
      if (b < '0' || b > '7') {
        return -1;
      }
      value = value * 8 + (b - '0');
    }
    return value;
  }

  private static long padded(long length) {
    long blocks = length / BLOCK + (length % BLOCK == 0 ? 0 : 1);
    return blocks > Long.MAX_VALUE / BLOCK ? Long.MAX_VALUE : blocks * BLOCK;
  }
}
