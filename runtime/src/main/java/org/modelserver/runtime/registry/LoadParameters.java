package org.modelserver.runtime.registry;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.modelserver.runtime.error.ServingException;

/**
 * The parameters of Triton's load request, as {@link ModelManager#load} takes them: {@code config}
 * (the model config as JSON, replacing the folder's for this load) and {@code
 * file:<version>/<name>} (a file to write into the model's folder first). Transports only say how
 * one of their values becomes text or bytes.
 *
 * @param config the config override, if any
 * @param files {@code <version>/<name>} to the file's bytes
 */
public record LoadParameters(Optional<String> config, Map<String, byte[]> files) {
  private static final String FILE_PREFIX = "file:";

  public LoadParameters {
    files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
  }

  public static LoadParameters none() {
    return new LoadParameters(Optional.empty(), Map.of());
  }

  /** How a transport's parameter value becomes the text or bytes a parameter needs. */
  public interface Decoder<T> {
    /** The value of {@code config}, or INVALID_ARGUMENT naming what the value should be. */
    String text(String key, T value);

    /** The value of a {@code file:} parameter, or INVALID_ARGUMENT naming what it should be. */
    byte[] bytes(String key, T value);
  }

  /**
   * Reads a load request's parameters.
   *
   * @throws ServingException INVALID_ARGUMENT for an unknown parameter or a value of the wrong kind
   */
  public static <T> LoadParameters of(Map<String, T> parameters, Decoder<T> decoder) {
    Optional<String> config = Optional.empty();
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (Map.Entry<String, T> entry : parameters.entrySet()) {
      String key = entry.getKey();
      if (key.equals("config")) {
        config = Optional.of(decoder.text(key, entry.getValue()));
      } else if (key.startsWith(FILE_PREFIX)) {
        files.put(key.substring(FILE_PREFIX.length()), decoder.bytes(key, entry.getValue()));
      } else {
        throw ServingException.invalidArgument(
            "unknown load parameter '"
                + key
                + "'; expected 'config' or 'file:<version>/<file name>'");
      }
    }
    return new LoadParameters(config, files);
  }
}
