package org.modelserver.runtime.json;

import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The one strict reader of every parser: a key given twice in one object is an error, never a
 * silent "last one wins". Unknown keys are refused by {@link StrictFields}.
 */
public final class StrictJson {
  private StrictJson() {}

  /** A new JSON reader that refuses duplicate keys; thread-safe: build it once and keep it. */
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
