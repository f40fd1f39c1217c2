package org.modelserver.server.fuzz;

import static org.modelserver.server.fuzz.Printable.printable;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** One REST request: a POST of bytes with headers. */
record RestCase(String path, Map<String, String> headers, byte[] body, String how) {
  @Override
  public String toString() {
    return "POST "
        + printable(path.getBytes(StandardCharsets.UTF_8))
        + " "
        + headers
        + " ["
        + printable(how)
        + "] body: "
        + printable(body);
  }
}
