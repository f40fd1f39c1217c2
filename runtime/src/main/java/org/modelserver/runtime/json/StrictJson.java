package org.modelserver.runtime.json;

import org.modelserver.runtime.error.ServingException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The one strict reader of every parser: a key given twice in one object is an error, never a
 * silent "last one wins". Unknown keys are refused by {@link StrictFields}.
 */
public final class StrictJson {
  private StrictJson() {}

  /** A new JSON reader that refuses duplicate keys; thread-safe: build it once and keep it. */
  /**
   * A JSON object of settings read strictly from {@code bytes}; anything else is an invalid
   * argument naming {@code what} and showing {@code example}.
   */
  public static JsonNode settingsObject(byte[] bytes, String what, String example) {
    try {
      JsonNode node = json().readTree(bytes);
      if (node == null || !node.isObject()) {
        throw ServingException.invalidArgument(
            what + " must be a JSON object of settings, for example " + example);
      }
      return node;
    } catch (JacksonException e) {
      throw ServingException.invalidArgument(
          what + " is not valid JSON: " + e.getOriginalMessage());
    }
  }

  public static JsonMapper json() {
    return jsonBuilder().build();
  }

  /** A new YAML reader that refuses duplicate keys; thread-safe: build it once and keep it. */
  public static YAMLMapper yaml() {
    return YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  }

  /** A builder already strict, for readers that need more features. */
  public static JsonMapper.Builder jsonBuilder() {
    return JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
  }
}
