package org.modelserver.runtime.error;

/** A failure with a {@link ErrorKind} and a message fit to show the caller. */
public class ServingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorKind kind;

  public ServingException(ErrorKind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public ServingException(ErrorKind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public ErrorKind kind() {
    return kind;
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
