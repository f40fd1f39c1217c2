package org.modelserver.server.fuzz;

import java.nio.charset.StandardCharsets;

/** Bytes and text made printable for a failure message. */
final class Printable {
  private Printable() {}

  /**
   * Bytes as printable ASCII for a failure message: {@code \xNN} for the rest, runs of one byte as
   * {@code c{×N}}, cut after 1,500 characters.
   */
  static String printable(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < bytes.length && out.length() < 1500; ) {
      int run = 1;
      while (i + run < bytes.length && bytes[i + run] == bytes[i]) {
        run++;
      }
      int b = bytes[i] & 0xff;
      if (b == '\\') {
        out.append("\\\\");
      } else if (b >= 0x20 && b < 0x7f) {
        out.append((char) b);
      } else {
        out.append(String.format("\\x%02x", b));
      }
      if (run > 8) {
        out.append("{×").append(run).append('}');
        i += run;
      } else {
        i++;
      }
    }
    if (out.length() >= 1500) {
      out.append("… (").append(bytes.length).append(" bytes in all)");
    }
    return out.toString();
  }

  static String printable(String text) {
    return printable(text.getBytes(StandardCharsets.UTF_8));
  }
}
