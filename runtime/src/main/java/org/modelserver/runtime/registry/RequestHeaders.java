package org.modelserver.runtime.registry;

/**
 * A request's transport headers (HTTP headers, gRPC metadata), as far as routing needs them: the
 * header a sticky traffic split keys on.
 */
@FunctionalInterface
public interface RequestHeaders {
  /** No headers. */
  RequestHeaders NONE = name -> null;

  /**
   * @param name a header name in lower case
   * @return its first value, or null when the request lacks it
   */
  String get(String name);
}
