package org.modelserver.server.console;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A strict Content-Security-Policy on every page and file outside the API ({@code /console/**},
 * {@code /swagger-ui/**}, {@code /webjars/**}, {@code /openapi.yaml}): scripts, styles and
 * connections from this server only, no inline script or style, no frames. The API's JSON answers
 * go without it (no browser renders them as pages, and inference stays a few headers lighter).
 */
@Component
class SecurityHeadersFilter extends OncePerRequestFilter {
  /**
   * {@code data:} images are the inline icons of Swagger UI's stylesheet; nothing else is allowed
   * from anywhere but this server.
   */
  static final String POLICY = policy("'self'");

  /**
   * Swagger UI's bundle sets one inline style (the hash Chrome reports for it); that one exact
   * style is allowed on its pages, no other.
   */
  static final String SWAGGER_UI_POLICY =
      policy("'self' 'unsafe-hashes' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='");

  private static String policy(String styles) {
    return "default-src 'none'; script-src 'self'; style-src "
        + styles
        + "; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self';"
        + " base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String path = path(request);
    return path.startsWith("/v2/") || path.equals("/v2") || path.equals("/metrics");
  }

  private static String path(HttpServletRequest request) {
    return request.getRequestURI().substring(request.getContextPath().length());
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    boolean swaggerUi = path(request).startsWith("/swagger-ui/");
    response.setHeader("Content-Security-Policy", swaggerUi ? SWAGGER_UI_POLICY : POLICY);
    response.setHeader("X-Content-Type-Options", "nosniff");
    response.setHeader("Referrer-Policy", "no-referrer");
    response.setHeader("X-Frame-Options", "DENY");
    chain.doFilter(request, response);
  }
}
