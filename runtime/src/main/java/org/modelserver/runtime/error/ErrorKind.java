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
  /** The server is at capacity for now (a queue is full); retrying later may succeed. */
  CAPACITY_EXCEEDED,
  /** A genuine fault inside the server or an engine. */
  INTERNAL
}
