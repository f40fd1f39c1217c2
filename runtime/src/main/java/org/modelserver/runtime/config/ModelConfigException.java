package org.modelserver.runtime.config;

/** A model configuration that cannot be used; the message names the field and what is expected. */
public class ModelConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelConfigException(String message) {
    super(message);
  }

  public ModelConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
