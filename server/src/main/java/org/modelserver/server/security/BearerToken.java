package org.modelserver.server.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * A configured bearer token, kept only as its SHA-256 digest: compared in constant time, and with
 * nothing to print.
 */
final class BearerToken {
  private static final String SCHEME = "Bearer ";

  private final byte[] digest;

  private BearerToken(String token) {
    this.digest = digest(token);
  }

  /**
   * The token given by an option ({@code --name=T}) or by a file ({@code --name-file=FILE}), or
   * empty when neither is set. Setting both, or naming an empty or unreadable file, fails: a typo
   * must not leave an endpoint open.
   *
   * @param option the option's name, for messages (e.g. {@code admin-token})
   */
  static Optional<BearerToken> configured(String option, String value, String file) {
    String token = value == null ? "" : value.trim();
    boolean fromFile = file != null && !file.isBlank();
    if (fromFile && !token.isEmpty()) {
      throw new IllegalArgumentException(
          "both --" + option + " and --" + option + "-file are set; use one of them");
    }
    if (fromFile) {
      try {
        token = Files.readString(Path.of(file.trim()), StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read --" + option + "-file " + file, e);
      }
      if (token.isEmpty()) {
        throw new IllegalArgumentException("--" + option + "-file " + file + " is empty");
      }
    }
    return token.isEmpty() ? Optional.empty() : Optional.of(new BearerToken(token));
  }

  /** Whether an {@code Authorization} header (or gRPC metadata value) carries this token. */
  boolean matches(String authorization) {
    return authorization != null
        && authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
        && MessageDigest.isEqual(digest, digest(authorization.substring(SCHEME.length()).trim()));
  }

  @Override
  public String toString() {
    return "BearerToken[redacted]";
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
