package org.modelserver.runtime.error;

/**
 * What went wrong, in runtime terms. Each transport maps these to its own statuses in one place.
 */
public enum ErrorKind {
  /** The caller sent something malformed or inconsistent with the model. */
  INVALID_ARGUMENT,
  /** The model or version does not exist. */
  NOT_FOUND,
  /**
   * The request conflicts with the server's state or configuration (a version that already exists,
   * a management call the model control mode does not allow); repeating it unchanged will fail.
   */
  CONFLICT,
  /** The model exists but cannot serve now (not loaded, failed to load, unloading). */
  UNAVAILABLE,
  /** The request is larger than a configured size limit. */
  TOO_LARGE,
  /**
   * The server or the model is at capacity for now (a full queue or byte budget, an open circuit
   * breaker, a full bulkhead); retrying later may succeed.
   */
  CAPACITY_EXCEEDED,
  /** This caller sent more requests than its rate limit allows; retrying later may succeed. */
  RATE_LIMITED,
  /** The caller cancelled the request or its deadline passed before it ran. */
  CANCELLED,
  /** A genuine fault inside the server or an engine. */
  INTERNAL
}
