package org.modelserver.server.rest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;

/** A request body that fails with TOO_LARGE once more than a limit has been read from it. */
final class BoundedInputStream extends FilterInputStream {
  private final long limit;
  private final String option;
  private long read;

  BoundedInputStream(InputStream in, long limit, String option) {
    super(in);
    this.limit = limit;
    this.option = option;
  }

  @Override
  public int read() throws IOException {
    int value = super.read();
    if (value >= 0) {
      count(1);
    }
    return value;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = super.read(buffer, offset, length);
    if (n > 0) {
      count(n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = super.skip(n);
    count(skipped);
    return skipped;
  }

  private void count(long n) {
    read += n;
    if (read > limit) {
      throw new ServingException(
          ErrorKind.TOO_LARGE,
          "request body exceeds the limit of " + limit + " bytes (option " + option + ")");
    }
  }
}
