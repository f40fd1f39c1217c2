package org.modelserver.server.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Who may use the management endpoints (the repository API over REST and gRPC). With an admin token
 * configured, a caller must send {@code Authorization: Bearer <token>}; without one, only clients
 * on the loopback interface are served. Tokens are compared in constant time and never logged.
 */
@Component
public class ManagementAccess {
  /** Why a caller was turned away; each transport maps this to its own status. */
  public enum Denial {
    /** A token is configured and the caller sent none or a wrong one. */
    UNAUTHENTICATED,
    /** No token is configured and the caller is not on the loopback interface. */
    FORBIDDEN
  }

  private final byte[] tokenDigest;

  public ManagementAccess(
      @Value("${modelserver.admin-token:}") String token,
      @Value("${modelserver.admin-token-file:}") String tokenFile) {
    String configured = token == null ? "" : token.trim();
    if (configured.isEmpty() && tokenFile != null && !tokenFile.isBlank()) {
      try {
        configured = Files.readString(Path.of(tokenFile.trim())).trim();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the admin token file " + tokenFile, e);
      }
    }
    this.tokenDigest = configured.isEmpty() ? null : digest(configured);
  }

  public boolean tokenConfigured() {
    return tokenDigest != null;
  }

  /**
   * @param remoteAddress the caller's IP address
   * @param authorization the caller's {@code Authorization} header or metadata, or null
   * @return why the caller may not manage, or empty when it may
   */
  public Optional<Denial> check(String remoteAddress, String authorization) {
    if (tokenDigest != null) {
      String prefix = "Bearer ";
      boolean valid =
          authorization != null
              && authorization.regionMatches(true, 0, prefix, 0, prefix.length())
              && MessageDigest.isEqual(
                  tokenDigest, digest(authorization.substring(prefix.length()).trim()));
      return valid ? Optional.empty() : Optional.of(Denial.UNAUTHENTICATED);
    }
    return isLoopback(remoteAddress) ? Optional.empty() : Optional.of(Denial.FORBIDDEN);
  }

  /** The message for a denial: what was wrong and how to get in. */
  public static String message(Denial denial) {
    return switch (denial) {
      case UNAUTHENTICATED ->
          "management needs the admin token: send 'Authorization: Bearer <token>'";
      case FORBIDDEN ->
          "management is served only to clients on this host; to enable remote management,"
              + " start the server with --admin-token (or MODEL_SERVER_ADMIN_TOKEN, or"
              + " --admin-token-file) and send 'Authorization: Bearer <token>'";
    };
  }

  private static boolean isLoopback(String address) {
    if (address == null) {
      return false;
    }
    try {
      // A literal IP address: no name lookup happens.
      return InetAddress.getByName(address).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
