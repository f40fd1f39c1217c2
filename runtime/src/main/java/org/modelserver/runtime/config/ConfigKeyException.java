package org.modelserver.runtime.config;

/**
 * A config key the server does not read: unknown, or a Triton setting it does not support. Carries
 * the key's path ({@code input[0].format}) so that a reader of another format can name it in that
 * format's words.
 */
public class ConfigKeyException extends ModelConfigException {
  private static final long serialVersionUID = 1L;

  private final String key;

  public ConfigKeyException(String message, String key) {
    super(message);
    this.key = key;
  }

  /** The key's path from the config's root. */
  public String key() {
    return key;
  }
}
