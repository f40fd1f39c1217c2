package org.modelserver.server.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Who may call which {@link Endpoint}, over REST ({@link AccessFilter}) and gRPC alike.
 *
 * <ul>
 *   <li>Management: with an admin token configured, callers must send {@code Authorization: Bearer
 *       <admin token>}; without one, only clients of the loopback-only management listeners ({@link
 *       ManagementListener}, {@code --grpc-management-port}) are served. A loopback peer on the
 *       main ports is not enough: a proxy or sidecar on this host (KServe's queue-proxy, Istio,
 *       nginx, socat) relays remote callers from loopback.
 *   <li>Inference: with an inference token configured, every caller (loopback included) must send
 *       {@code Authorization: Bearer <inference token>} or the admin token; without one it is open.
 *   <li>Open endpoints (health, metrics) are served to everyone.
 * </ul>
 *
 * Tokens are kept as SHA-256 digests, compared in constant time and never logged.
 */
@Component
public class ManagementAccess {
  private static final Logger log = LoggerFactory.getLogger(ManagementAccess.class);

  /** Why a caller was turned away; each transport maps this to its own status. */
  public enum Denial {
    /** Management with an admin token configured, and the caller sent none or a wrong one. */
    ADMIN_TOKEN_REQUIRED(
        true, "management needs the admin token: send 'Authorization: Bearer <admin token>'"),
    /**
     * Management with no admin token configured, not on a loopback management listener: a proxy on
     * this host could be relaying it.
     */
    REMOTE_MANAGEMENT_DISABLED(
        false,
        "with no admin token configured, management is served only on the loopback management"
            + " port (--management-port, 8081; gRPC --grpc-management-port, 8082), not on this"
            + " one, where a proxy on this host makes remote callers look local; or start the"
            + " server with --admin-token (or MODEL_SERVER_ADMIN_TOKEN, or --admin-token-file)"
            + " and send 'Authorization: Bearer <admin token>'"),
    /** Inference with an inference token configured, and the caller sent neither token. */
    INFERENCE_TOKEN_REQUIRED(
        true,
        "this endpoint needs the inference token: send 'Authorization: Bearer <inference token>'"
            + " (the admin token is accepted too)");

    private final boolean unauthenticated;
    private final String message;

    Denial(boolean unauthenticated, String message) {
      this.unauthenticated = unauthenticated;
      this.message = message;
    }

    /**
     * True when a valid token would let the caller in (HTTP 401, gRPC UNAUTHENTICATED); false when
     * the server refuses the caller as such (HTTP 403, gRPC PERMISSION_DENIED).
     */
    public boolean unauthenticated() {
      return unauthenticated;
    }

    /** What was wrong and how to get in; names no token. */
    public String message() {
      return message;
    }
  }

  /**
   * Who is at the other end of a connection.
   *
   * @param address the peer's IP address (a literal), or null when unknown
   * @param managementListener whether the connection came in on a loopback-only management listener
   *     rather than a serving port
   */
  public record Peer(String address, boolean managementListener) {
    /** A peer on a serving port. */
    public static Peer serving(String address) {
      return new Peer(address, false);
    }
  }

  private final Optional<BearerToken> adminToken;
  private final Optional<BearerToken> inferenceToken;

  public ManagementAccess(
      @Value("${modelserver.admin-token:}") String adminToken,
      @Value("${modelserver.admin-token-file:}") String adminTokenFile,
      @Value("${modelserver.inference-token:}") String inferenceToken,
      @Value("${modelserver.inference-token-file:}") String inferenceTokenFile) {
    this.adminToken = BearerToken.configured("admin-token", adminToken, adminTokenFile);
    this.inferenceToken =
        BearerToken.configured("inference-token", inferenceToken, inferenceTokenFile);
    log.info(
        "Access: management {}; inference {}",
        this.adminToken.isPresent()
            ? "needs the admin token"
            : "only on the loopback management listeners",
        this.inferenceToken.isPresent() ? "needs the inference token" : "open");
  }

  /**
   * @param endpoint what the caller asks for
   * @param peer the caller's address and the listener it came in on
   * @param authorization the caller's {@code Authorization} header or metadata, or null
   * @return why the caller may not, or empty when it may
   */
  public Optional<Denial> check(Endpoint endpoint, Peer peer, String authorization) {
    return switch (endpoint) {
      case OPEN -> Optional.empty();
      case INFERENCE ->
          inferenceToken.isEmpty()
                  || inferenceToken.get().matches(authorization)
                  || adminToken.filter(token -> token.matches(authorization)).isPresent()
              ? Optional.empty()
              : Optional.of(Denial.INFERENCE_TOKEN_REQUIRED);
      case MANAGEMENT -> {
        if (adminToken.isPresent()) {
          yield adminToken.get().matches(authorization)
              ? Optional.empty()
              : Optional.of(Denial.ADMIN_TOKEN_REQUIRED);
        }
        yield peer.managementListener() && isLoopback(peer.address())
            ? Optional.empty()
            : Optional.of(Denial.REMOTE_MANAGEMENT_DISABLED);
      }
    };
  }

  /**
   * Who sends a request, for per-caller rate limits: the configured token it presents (every holder
   * of a token shares its limit), else its client address.
   */
  public String caller(String remoteAddress, String authorization) {
    if (inferenceToken.filter(token -> token.matches(authorization)).isPresent()) {
      return "inference-token";
    }
    if (adminToken.filter(token -> token.matches(authorization)).isPresent()) {
      return "admin-token";
    }
    return remoteAddress == null ? "unknown-address" : remoteAddress;
  }

  /** Whether a REST request may use the inference endpoints (and so see why a model fails). */
  public boolean mayInfer(jakarta.servlet.http.HttpServletRequest request) {
    return check(
            Endpoint.INFERENCE,
            Peer.serving(PeerAddress.of(request)),
            request.getHeader("Authorization"))
        .isEmpty();
  }

  /** {@link #caller(String, String)} of a REST request. */
  public String caller(jakarta.servlet.http.HttpServletRequest request) {
    return caller(PeerAddress.of(request), request.getHeader("Authorization"));
  }

  private static boolean isLoopback(String address) {
    // Literal IP addresses only, so that no name is ever looked up.
    if (address == null
        || address.isEmpty()
        || !address.chars().allMatch(c -> c == '.' || c == ':' || Character.digit(c, 16) >= 0)) {
      return false;
    }
    try {
      return InetAddress.getByName(address).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
