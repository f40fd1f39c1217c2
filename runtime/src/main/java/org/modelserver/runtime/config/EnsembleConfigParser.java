package org.modelserver.runtime.config;

import static org.modelserver.runtime.config.ConfigNodes.checkKeys;
import static org.modelserver.runtime.config.ConfigNodes.text;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reads Triton's {@code ensemble_scheduling} section. Only what this server runs is accepted:
 * {@code step[]} with {@code model_name}, {@code model_version}, {@code input_map} and {@code
 * output_map}; {@code model_namespace} and {@code max_inflight_requests} are refused by name.
 */
final class EnsembleConfigParser {
  private static final Set<String> SECTION_KEYS = Set.of("step");
  private static final Set<String> STEP_KEYS =
      Set.of("model_name", "model_version", "input_map", "output_map");
  private static final Set<String> NOT_SUPPORTED =
      Set.of("max_inflight_requests", "model_namespace");

  /** Keys that configure a model's own instances, which an ensemble does not have. */
  private static final List<String> NOT_FOR_ENSEMBLES =
      List.of(
          "default_model_filename",
          "dynamic_batching",
          "instance_group",
          "optimization",
          "model_warmup",
          "backend");

  private EnsembleConfigParser() {}

  /** Refuses, naming it, a top-level key that does not apply to an ensemble. */
  static void refuseInstanceKeys(JsonNode root) {
    for (String key : NOT_FOR_ENSEMBLES) {
      if (root.has(key)) {
        throw new ModelConfigException(
            "'"
                + key
                + "' does not apply to an ensemble (platform 'ensemble'): it has no"
                + " instances or model file of its own; set it on the composing models");
      }
    }
  }

  static List<EnsembleStep> steps(JsonNode node) {
    String where = "ensemble_scheduling";
    if (!node.isObject()) {
      throw new ModelConfigException(where + " must be a mapping with step: [...]");
    }
    refuseUnsupported(node, where);
    checkKeys(node, SECTION_KEYS, where);
    JsonNode steps = node.get("step");
    if (steps == null || !steps.isArray() || steps.isEmpty()) {
      throw new ModelConfigException(where + ".step must be a non-empty list of steps");
    }
    List<EnsembleStep> result = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++) {
      result.add(step(steps.get(i), where + ".step[" + i + "]"));
    }
    return result;
  }

  private static EnsembleStep step(JsonNode node, String where) {
    if (!node.isObject()) {
      throw new ModelConfigException(where + " must be a mapping with model_name and maps");
    }
    refuseUnsupported(node, where);
    checkKeys(node, STEP_KEYS, where);
    if (!node.has("model_name")) {
      throw new ModelConfigException(where + " is missing 'model_name'");
    }
    String model = text(node.get("model_name"), where + ".model_name");
    if (model.isEmpty()) {
      throw new ModelConfigException(where + ".model_name must not be empty");
    }
    long version = EnsembleStep.ANY_VERSION;
    if (node.has("model_version")) {
      JsonNode value = node.get("model_version");
      if (!value.isIntegralNumber() || !value.canConvertToLong()) {
        throw new ModelConfigException(
            where + ".model_version must be -1 (latest) or a version number, got " + value);
      }
      version = value.longValue();
      if (version != EnsembleStep.ANY_VERSION && version < 1) {
        throw new ModelConfigException(
            where + ".model_version must be -1 (latest) or a version number, got " + version);
      }
    }
    Map<String, String> inputs = map(node.get("input_map"), where + ".input_map");
    Map<String, String> outputs = map(node.get("output_map"), where + ".output_map");
    if (inputs.isEmpty()) {
      throw new ModelConfigException(where + ".input_map must map at least one input");
    }
    if (outputs.isEmpty()) {
      throw new ModelConfigException(where + ".output_map must map at least one output");
    }
    return new EnsembleStep(model, version, inputs, outputs);
  }

  /** {@code {step_tensor: ensemble_tensor}}, or a list of {key, value} as protobuf JSON has it. */
  private static Map<String, String> map(JsonNode node, String where) {
    Map<String, String> map = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      return map;
    }
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> entry : node.properties()) {
        map.put(entry.getKey(), text(entry.getValue(), where + "." + entry.getKey()));
      }
      return map;
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        JsonNode pair = node.get(i);
        String at = where + "[" + i + "]";
        checkKeys(pair, Set.of("key", "value"), at);
        if (!pair.has("key") || !pair.has("value")) {
          throw new ModelConfigException(at + " needs key and value");
        }
        String key = text(pair.get("key"), at + ".key");
        if (map.put(key, text(pair.get("value"), at + ".value")) != null) {
          throw new ModelConfigException(at + ": key '" + key + "' is mapped twice");
        }
      }
      return map;
    }
    throw new ModelConfigException(where + " must map step tensor names to ensemble tensor names");
  }

  private static void refuseUnsupported(JsonNode node, String where) {
    for (String key : node.propertyNames()) {
      if (NOT_SUPPORTED.contains(key)) {
        throw new ConfigKeyException(
            "key '"
                + where
                + "."
                + key
                + "' is a Triton ensemble setting this server does not support",
            where + "." + key);
      }
    }
  }
}
