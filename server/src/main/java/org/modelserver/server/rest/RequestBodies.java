package org.modelserver.server.rest;

import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.inference.Admission;
import org.modelserver.server.config.LimitOptions;
import org.modelserver.server.config.ServerOptions;
import org.springframework.stereotype.Component;

/** Reads request bodies up to the configured limit, before anything is parsed. */
@Component
public class RequestBodies {
  private static final int CHUNK = 16 * 1024;

  private final long limit;
  private final long deadlineNanos;

  RequestBodies(ServerOptions options, LimitOptions limits) {
    this.limit = options.maxRequestSize().toBytes();
    this.deadlineNanos = limits.restBodyTimeout().toNanos();
  }

  /**
   * The whole body, read within {@code rest-body-timeout}.
   *
   * @throws ServingException TOO_LARGE over {@code max-request-size}, INVALID_ARGUMENT when it
   *     cannot be read
   * @throws BodyTimeoutException when the client is too slow to send it
   */
  public byte[] read(HttpServletRequest request) {
    return read(request, null);
  }

  /**
   * Refuses a body whose declared length is over {@code max-request-size} before anything else.
   *
   * @throws ServingException TOO_LARGE
   */
  public void requireWithinLimit(HttpServletRequest request) {
    long declared = request.getContentLengthLong();
    if (declared > limit) {
      throw tooLarge(declared + " bytes");
    }
  }

  /**
   * The whole body; a body of unknown length reserves its bytes from the admission as they arrive
   * (a declared length was reserved on admission).
   */
  public byte[] read(HttpServletRequest request, Admission admission) {
    requireWithinLimit(request);
    long declared = request.getContentLengthLong();
    long start = System.nanoTime();
    try (InputStream in = request.getInputStream()) {
      if (declared >= 0) {
        // The usual case: the length is known, so read straight into an array of that size.
        byte[] body = new byte[(int) declared];
        int filled = 0;
        while (filled < body.length) {
          int read = in.read(body, filled, Math.min(CHUNK * 4, body.length - filled));
          if (read < 0) {
            break;
          }
          filled += read;
          checkDeadline(start, filled);
        }
        if (filled < declared) {
          throw ServingException.invalidArgument(
              "the request body ended after " + filled + " of its declared " + declared + " bytes");
        }
        return body;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
      byte[] chunk = new byte[CHUNK];
      long total = 0;
      int read;
      while ((read = in.read(chunk)) != -1) {
        total += read;
        if (total > limit) {
          throw tooLarge("more than " + limit + " bytes");
        }
        if (admission != null) {
          admission.reserve(read);
        }
        out.write(chunk, 0, read);
        checkDeadline(start, total);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw ServingException.invalidArgument(
          "the request body could not be read: " + e.getMessage());
    }
  }

  private void checkDeadline(long start, long received) {
    if (System.nanoTime() - start > deadlineNanos) {
      throw new BodyTimeoutException(
          "the request body was not received within "
              + deadlineNanos / 1_000_000
              + " ms (option rest-body-timeout): "
              + received
              + " bytes arrived");
    }
  }

  /** The client sent its body too slowly: 408, and the connection is closed. */
  static final class BodyTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BodyTimeoutException(String message) {
      super(message);
    }
  }

  private ServingException tooLarge(String size) {
    return new ServingException(
        ErrorKind.TOO_LARGE,
        "request body of "
            + size
            + " exceeds the limit of "
            + limit
            + " bytes (option max-request-size)");
  }
}
