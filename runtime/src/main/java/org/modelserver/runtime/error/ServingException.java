package org.modelserver.runtime.error;

import java.time.Duration;
import java.util.Optional;

/** A failure with a {@link ErrorKind} and a message fit to show the caller. */
public class ServingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorKind kind;
  private final Duration retryAfter;

  public ServingException(ErrorKind kind, String message) {
    this(kind, message, null, null);
  }

  public ServingException(ErrorKind kind, String message, Throwable cause) {
    this(kind, message, cause, null);
  }

  private ServingException(ErrorKind kind, String message, Throwable cause, Duration retryAfter) {
    super(message, cause);
    this.kind = kind;
    this.retryAfter = retryAfter;
  }

  public ErrorKind kind() {
    return kind;
  }

  /** How long the caller should wait before retrying, when the server can tell. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** CAPACITY_EXCEEDED: the server or model is full for now; retry after the given time. */
  public static ServingException overloaded(String message, Duration retryAfter) {
    return new ServingException(ErrorKind.CAPACITY_EXCEEDED, message, null, retryAfter);
  }

  /** RATE_LIMITED: the caller is over its rate limit; retry after the given time. */
  public static ServingException rateLimited(String message, Duration retryAfter) {
    return new ServingException(ErrorKind.RATE_LIMITED, message, null, retryAfter);
  }

  public static ServingException cancelled(String message) {
    return new ServingException(ErrorKind.CANCELLED, message);
  }

  public static ServingException invalidArgument(String message) {
    return new ServingException(ErrorKind.INVALID_ARGUMENT, message);
  }

  public static ServingException notFound(String message) {
    return new ServingException(ErrorKind.NOT_FOUND, message);
  }

  public static ServingException conflict(String message) {
    return new ServingException(ErrorKind.CONFLICT, message);
  }

  public static ServingException unavailable(String message) {
    return new ServingException(ErrorKind.UNAVAILABLE, message);
  }

  public static ServingException internal(String message, Throwable cause) {
    return new ServingException(ErrorKind.INTERNAL, message, cause);
  }
}
