package org.modelserver.server.security;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.modelserver.runtime.error.ServingException;

/**
 * What a fetch URL may look like, and how one is shown in messages. The path is sent as given, so
 * anything a remote server may read as another path than the allowlist check sees is refused rather
 * than resolved.
 */
final class UrlSyntax {
  private static final List<String> ENCODED_SEPARATORS = List.of("%2e", "%2f", "%5c", "%3b", "%25");
  private static final int MAX_DESCRIBED_PATH = 200;

  private UrlSyntax() {}

  /**
   * An absolute http(s) URL with lower-case scheme and host, no default port, no fragment and a
   * path of at least "/", which must hold nothing a server could resolve to another path.
   */
  static URI normalise(String url) {
    if (url.indexOf('\\') >= 0) {
      throw ServingException.invalidArgument(
          "the URL has a backslash ('\\'); servers may read it as '/': use '/' only");
    }
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw ServingException.invalidArgument("not a valid URL: " + e.getReason());
    }
    if (!uri.isAbsolute() || uri.isOpaque()) {
      throw ServingException.invalidArgument("not an absolute http or https URL");
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw ServingException.invalidArgument(
          "only http and https URLs are allowed, not " + scheme + ":");
    }
    String authority = uri.getRawAuthority();
    if (uri.getRawUserInfo() != null || (authority != null && authority.contains("@"))) {
      throw ServingException.invalidArgument(
          "URLs with user-info (user:password@host) are refused; the allowlist is the only"
              + " access control for fetching");
    }
    if (uri.getHost() == null) {
      throw ServingException.invalidArgument("the URL has no valid host");
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    requirePlainPath(path);
    int port = uri.getPort();
    if ((scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443)) {
      port = -1;
    }
    String rebuilt =
        scheme
            + "://"
            + uri.getHost().toLowerCase(Locale.ROOT)
            + (port < 0 ? "" : ":" + port)
            + path
            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    return URI.create(rebuilt);
  }

  /**
   * Refuses what a server may resolve to a path outside the prefix the path seems to be under: the
   * prefix check compares the path as sent, and the server decides what it means.
   */
  private static void requirePlainPath(String path) {
    if (path.indexOf(';') >= 0) {
      throw ServingException.invalidArgument(
          "the URL's path has a ';' (path parameters such as ';jsessionid=' or '..;'), which"
              + " servers may resolve ('/a/..;/b' as '/b'): give the path without them");
    }
    String lower = path.toLowerCase(Locale.ROOT);
    for (String encoded : ENCODED_SEPARATORS) {
      if (lower.contains(encoded)) {
        throw ServingException.invalidArgument(
            "the URL's path has an encoded '.', '/', '\\', ';' or '%' ("
                + encoded.toUpperCase(Locale.ROOT)
                + "), which servers may decode into another path: give the path unencoded");
      }
    }
    for (String segment : path.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        throw ServingException.invalidArgument(
            "the URL's path has a '" + segment + "' segment: give the path without '.' and '..'");
      }
    }
  }

  /**
   * A URL for messages and logs: no user-info and no query, which may hold credentials, and a path
   * cut to a readable length.
   */
  static String describe(URI uri) {
    String authority = uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    String path = Objects.toString(uri.getRawPath(), "");
    if (path.length() > MAX_DESCRIBED_PATH) {
      path = path.substring(0, MAX_DESCRIBED_PATH) + "...";
    }
    return "'"
        + uri.getScheme()
        + "://"
        + authority
        + path
        + (uri.getRawQuery() == null ? "" : "?...")
        + "'";
  }

  static String describeLocation(URI base, String location) {
    try {
      URI target = base.resolve(new URI(location.trim()));
      return target.getScheme() == null || target.getHost() == null
          ? "an invalid Location"
          : describe(target);
    } catch (URISyntaxException | IllegalArgumentException e) {
      return "an invalid Location";
    }
  }
}
