package org.modelserver.server;

/**
 * Error messages as they leave the server: bounded, because many echo what the client sent (a name,
 * a key) and a 100 KB model name must not come back as a 100 KB status that the client's own header
 * limit (8 KB in grpc-java) then refuses.
 */
public final class Messages {
  /** The most characters of a message sent to a client. */
  public static final int MAX_LENGTH = 2048;

  private static final String CUT = "… (message truncated)";

  private Messages() {}

  /** The message, cut to {@link #MAX_LENGTH} characters with a mark saying so. */
  public static String bounded(String message) {
    if (message == null || message.length() <= MAX_LENGTH) {
      return message;
    }
    int keep = MAX_LENGTH - CUT.length();
    if (Character.isHighSurrogate(message.charAt(keep - 1))) {
      keep--; // never split a surrogate pair
    }
    return message.substring(0, keep) + CUT;
  }
}
