package org.modelserver.server.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UriUtils;

/**
 * Applies {@link ManagementAccess} to every REST request, by its {@link Endpoint}: 401 with {@code
 * WWW-Authenticate: Bearer} or 403, with an {@code {"error": ...}} body, before anything else runs.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class AccessFilter extends OncePerRequestFilter {
  private final ManagementAccess access;

  AccessFilter(ManagementAccess access) {
    this.access = access;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    ManagementAccess.Peer remote =
        new ManagementAccess.Peer(
            PeerAddress.of(request), PeerAddress.onManagementListener(request));
    String authorization = request.getHeader("Authorization");
    // The container routes by the normalised path ("/a/../b" is "/b"), Spring MVC by the raw
    // one decoded segment by segment ("/models/../default" has a model ".."): both must pass.
    String served = servedPath(request);
    Endpoint normalised = Endpoint.ofRestPath(served);
    // Only a URI spelled differently from the served path (escapes, "..", "//", ";params") can be
    // routed differently; the usual request skips the second decoding.
    String raw = rawPath(request);
    Endpoint spelled = raw.equals(served) ? normalised : Endpoint.ofRestPath(decodedSegments(raw));
    Optional<ManagementAccess.Denial> denial = access.check(normalised, remote, authorization);
    if (denial.isEmpty() && spelled != normalised) {
      denial = access.check(spelled, remote, authorization);
    }
    if (denial.isEmpty()) {
      chain.doFilter(request, response);
      return;
    }
    response.setStatus(denial.get().unauthenticated() ? 401 : 403);
    if (denial.get().unauthenticated()) {
      response.setHeader("WWW-Authenticate", "Bearer");
    }
    response.setContentType("application/json");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.getWriter().write("{\"error\":\"" + denial.get().message() + "\"}");
  }

  /** The decoded, normalised path the container matched, without path parameters. */
  private static String servedPath(HttpServletRequest request) {
    return request.getServletPath() + Objects.requireNonNullElse(request.getPathInfo(), "");
  }

  /** The request URI as sent, without the context path. */
  private static String rawPath(HttpServletRequest request) {
    String uri = request.getRequestURI();
    String context = request.getContextPath();
    return uri.startsWith(context) ? uri.substring(context.length()) : uri;
  }

  /** The raw path with each segment percent-decoded and stripped of {@code ;parameters}. */
  private static String decodedSegments(String path) {
    StringBuilder decoded = new StringBuilder();
    for (String segment : path.split("/", -1)) {
      int parameters = segment.indexOf(';');
      String value = parameters < 0 ? segment : segment.substring(0, parameters);
      try {
        value = UriUtils.decode(value, StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        // A malformed %-escape; the container rejects those, and the raw text is no milder.
      }
      decoded.append('/').append(value);
    }
    return decoded.toString();
  }
}
