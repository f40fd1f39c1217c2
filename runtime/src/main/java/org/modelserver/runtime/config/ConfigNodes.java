package org.modelserver.runtime.config;

import java.util.Set;
import org.modelserver.runtime.json.StrictFields;
import org.modelserver.runtime.tensor.DataType;
import tools.jackson.databind.JsonNode;

/** Typed reads of config values; every failure names the value's path. */
final class ConfigNodes {
  private static final StrictFields KEYS = StrictFields.keys(ModelConfigException::new);

  private ConfigNodes() {}

  /** Fails on a key of {@code node} (at {@code path}) that is not in {@code allowed}. */
  static void checkKeys(JsonNode node, Set<String> allowed, String path) {
    if (node == null || node.isNull()) {
      return;
    }
    for (String name : node.propertyNames()) {
      if (!allowed.contains(name)) {
        String key = path.isEmpty() ? name : path + "." + name;
        throw new ConfigKeyException(KEYS.unknown(key, "", allowed).getMessage(), key);
      }
    }
  }

  /** The error for a Triton key this server does not implement yet. */
  static ConfigKeyException notYetSupported(String key) {
    return new ConfigKeyException(
        "key '" + key + "' is a Triton setting this server does not support yet", key);
  }

  /** An optional integer field of {@code node}; {@code where} prefixes its name in messages. */
  static int optionalInt(JsonNode node, String key, String where, int absent) {
    return node.has(key) ? integer(node.get(key), where + "." + key) : absent;
  }

  static long optionalLong(JsonNode node, String key, String where) {
    return node.has(key) ? longValue(node.get(key), where + "." + key) : 0;
  }

  static boolean optionalBool(JsonNode node, String key, String where) {
    return node.has(key) && bool(node.get(key), where + "." + key);
  }

  static long longValue(JsonNode node, String where) {
    if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < 0) {
      throw new ModelConfigException(where + " must be a non-negative integer, got " + node);
    }
    return node.longValue();
  }

  static boolean bool(JsonNode node, String where) {
    if (!node.isBoolean()) {
      throw new ModelConfigException(where + " must be true or false, got " + node);
    }
    return node.booleanValue();
  }

  static String text(JsonNode node, String where) {
    if (!node.isString()) {
      throw new ModelConfigException(where + " must be a string, got " + node);
    }
    return node.stringValue();
  }

  static int integer(JsonNode node, String where) {
    if (!node.isIntegralNumber() || !node.canConvertToInt()) {
      throw new ModelConfigException(where + " must be an integer, got " + node);
    }
    return node.intValue();
  }

  /** A {@code data_type} such as {@code TYPE_FP32}. */
  static DataType dataType(JsonNode node, String where) {
    String typeName = text(node, where);
    return DataType.fromConfigName(typeName)
        .orElseThrow(
            () ->
                new ModelConfigException(
                    where
                        + " '"
                        + typeName
                        + "' is unknown; expected one of TYPE_BOOL, TYPE_UINT8, TYPE_UINT16,"
                        + " TYPE_UINT32, TYPE_UINT64, TYPE_INT8, TYPE_INT16, TYPE_INT32,"
                        + " TYPE_INT64, TYPE_FP16, TYPE_BF16, TYPE_FP32, TYPE_FP64,"
                        + " TYPE_STRING"));
  }
}
