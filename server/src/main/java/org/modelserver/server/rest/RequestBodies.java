package org.modelserver.server.rest;

import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.server.config.ServerOptions;
import org.springframework.stereotype.Component;

/** Reads request bodies up to the configured limit, before anything is parsed. */
@Component
public class RequestBodies {
  private final long limit;

  RequestBodies(ServerOptions options) {
    this.limit = options.maxRequestSize().toBytes();
  }

  /**
   * The whole body.
   *
   * @throws ServingException TOO_LARGE over {@code max-request-size}, INVALID_ARGUMENT when it
   *     cannot be read
   */
  public byte[] read(HttpServletRequest request) {
    long declared = request.getContentLengthLong();
    if (declared > limit) {
      throw tooLarge(declared + " bytes");
    }
    try (InputStream in = request.getInputStream()) {
      if (declared >= 0) {
        // The usual case: the length is known, so read straight into an array of that size.
        byte[] body = in.readNBytes((int) declared);
        if (body.length < declared) {
          throw ServingException.invalidArgument(
              "the request body ended after "
                  + body.length
                  + " of its declared "
                  + declared
                  + " bytes");
        }
        return body;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
      byte[] chunk = new byte[16 * 1024];
      long total = 0;
      int read;
      while ((read = in.read(chunk)) != -1) {
        total += read;
        if (total > limit) {
          throw tooLarge("more than " + limit + " bytes");
        }
        out.write(chunk, 0, read);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw ServingException.invalidArgument(
          "the request body could not be read: " + e.getMessage());
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
