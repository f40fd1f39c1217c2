package org.modelserver.runtime.engine;

/** A model version that could not be loaded; the message is the reason shown to operators. */
public class ModelLoadException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelLoadException(String message) {
    super(message);
  }

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
