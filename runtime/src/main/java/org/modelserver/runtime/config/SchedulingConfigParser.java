package org.modelserver.runtime.config;

import static org.modelserver.runtime.config.ConfigNodes.checkKeys;
import static org.modelserver.runtime.config.ConfigNodes.integer;
import static org.modelserver.runtime.config.ConfigNodes.optionalBool;
import static org.modelserver.runtime.config.ConfigNodes.optionalInt;
import static org.modelserver.runtime.config.ConfigNodes.optionalLong;
import static org.modelserver.runtime.config.ConfigNodes.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reads the scheduling sections of a config: {@code dynamic_batching} and {@code instance_group}.
 */
final class SchedulingConfigParser {
  private static final Set<String> BATCHING_KEYS =
      Set.of(
          "preferred_batch_size",
          "max_queue_delay_microseconds",
          "preserve_ordering",
          "priority_levels",
          "default_priority_level",
          "default_queue_policy",
          "priority_queue_policy");

  private static final Set<String> QUEUE_POLICY_KEYS =
      Set.of(
          "timeout_action",
          "default_timeout_microseconds",
          "allow_timeout_override",
          "max_queue_size");

  private static final Set<String> INSTANCE_GROUP_KEYS = Set.of("name", "count", "kind", "gpus");

  private SchedulingConfigParser() {}

  static DynamicBatching dynamicBatching(JsonNode node) {
    String where = "dynamic_batching";
    if (node.isNull()) {
      return DynamicBatching.defaults();
    }
    if (!node.isObject()) {
      throw new ModelConfigException(where + " must be a mapping (use {} for the defaults)");
    }
    checkKeys(node, BATCHING_KEYS, where);
    List<Integer> preferred = new ArrayList<>();
    JsonNode sizes = node.get("preferred_batch_size");
    if (sizes != null) {
      if (!sizes.isArray()) {
        throw new ModelConfigException(where + ".preferred_batch_size must be a list of integers");
      }
      for (JsonNode size : sizes) {
        preferred.add(integer(size, where + ".preferred_batch_size[]"));
      }
    }
    long delay = optionalLong(node, "max_queue_delay_microseconds", where);
    boolean ordered = optionalBool(node, "preserve_ordering", where);
    int levels = optionalInt(node, "priority_levels", where, 0);
    int defaultLevel = optionalInt(node, "default_priority_level", where, 0);
    QueuePolicy defaultPolicy =
        node.has("default_queue_policy")
            ? queuePolicy(node.get("default_queue_policy"), where + ".default_queue_policy")
            : QueuePolicy.DEFAULT;
    Map<Integer, QueuePolicy> byLevel = new HashMap<>();
    JsonNode policies = node.get("priority_queue_policy");
    if (policies != null) {
      if (!policies.isObject()) {
        throw new ModelConfigException(
            where + ".priority_queue_policy must map priority levels to queue policies");
      }
      for (Map.Entry<String, JsonNode> entry : policies.properties()) {
        int level;
        try {
          level = Integer.parseInt(entry.getKey());
        } catch (NumberFormatException e) {
          throw new ModelConfigException(
              where
                  + ".priority_queue_policy key '"
                  + entry.getKey()
                  + "' is not a priority level");
        }
        byLevel.put(
            level,
            queuePolicy(entry.getValue(), where + ".priority_queue_policy." + entry.getKey()));
      }
    }
    if (levels > 0 && defaultLevel == 0) {
      throw new ModelConfigException(
          where + ".default_priority_level must be set (1.." + levels + ") with priority_levels");
    }
    return new DynamicBatching(
        preferred, delay, ordered, levels, defaultLevel, defaultPolicy, byLevel);
  }

  private static QueuePolicy queuePolicy(JsonNode node, String where) {
    if (!node.isObject()) {
      throw new ModelConfigException(where + " must be a mapping");
    }
    checkKeys(node, QUEUE_POLICY_KEYS, where);
    QueuePolicy.TimeoutAction action = QueuePolicy.TimeoutAction.REJECT;
    if (node.has("timeout_action")) {
      String name = text(node.get("timeout_action"), where + ".timeout_action");
      try {
        action = QueuePolicy.TimeoutAction.valueOf(name);
      } catch (IllegalArgumentException e) {
        throw new ModelConfigException(
            where + ".timeout_action '" + name + "' is unknown; expected REJECT or DELAY");
      }
    }
    long timeout = optionalLong(node, "default_timeout_microseconds", where);
    boolean override = optionalBool(node, "allow_timeout_override", where);
    int maxQueue = optionalInt(node, "max_queue_size", where, QueuePolicy.UNSET);
    try {
      return new QueuePolicy(action, timeout, override, maxQueue);
    } catch (ModelConfigException e) {
      throw new ModelConfigException(where + ": " + e.getMessage(), e);
    }
  }

  static List<InstanceGroup> instanceGroups(JsonNode node) {
    if (!node.isArray()) {
      throw new ModelConfigException("instance_group must be a list of {count, kind, gpus}");
    }
    List<InstanceGroup> groups = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode entry = node.get(i);
      String where = "instance_group[" + i + "]";
      if (!entry.isObject()) {
        throw new ModelConfigException(where + " must be a mapping with count and kind");
      }
      checkKeys(entry, INSTANCE_GROUP_KEYS, where);
      int count = optionalInt(entry, "count", where, 1);
      String kind =
          entry.has("kind") ? text(entry.get("kind"), where + ".kind") : InstanceGroup.KIND_CPU;
      List<Integer> gpus = new ArrayList<>();
      JsonNode list = entry.get("gpus");
      if (list != null) {
        if (!list.isArray()) {
          throw new ModelConfigException(where + ".gpus must be a list of GPU indexes");
        }
        for (JsonNode gpu : list) {
          gpus.add(integer(gpu, where + ".gpus[]"));
        }
      }
      try {
        groups.add(new InstanceGroup(count, kind, gpus));
      } catch (ModelConfigException e) {
        throw new ModelConfigException(where + ": " + e.getMessage(), e);
      }
    }
    return groups;
  }

  /** Triton's {@code optimization} keys this server does not read yet. */
  private static final Set<String> OPTIMIZATION_NOT_YET =
      Set.of(
          "graph",
          "priority",
          "cuda",
          "input_pinned_memory",
          "output_pinned_memory",
          "gather_kernel_buffer_threshold",
          "eager_batching");

  /**
   * Triton's {@code optimization: {execution_accelerators: {gpu_execution_accelerator: [{name:
   * cuda, parameters: {key: value}}]}}}; the one accelerator known is {@code cuda}.
   */
  static List<ExecutionAccelerator> gpuAccelerators(JsonNode node) {
    String where = "optimization";
    if (node.isNull()) {
      return List.of();
    }
    if (!node.isObject()) {
      throw new ModelConfigException(where + " must be a mapping");
    }
    for (String key : node.propertyNames()) {
      if (OPTIMIZATION_NOT_YET.contains(key)) {
        throw ConfigNodes.notYetSupported(where + "." + key);
      }
    }
    checkKeys(node, Set.of("execution_accelerators"), where);
    JsonNode accelerators = node.get("execution_accelerators");
    if (accelerators == null || accelerators.isNull()) {
      return List.of();
    }
    where += ".execution_accelerators";
    if (!accelerators.isObject()) {
      throw new ModelConfigException(where + " must be a mapping");
    }
    checkKeys(
        accelerators, Set.of("gpu_execution_accelerator", "cpu_execution_accelerator"), where);
    JsonNode cpu = accelerators.get("cpu_execution_accelerator");
    if (cpu != null && !(cpu.isArray() && cpu.isEmpty())) {
      throw new ModelConfigException(
          where
              + ".cpu_execution_accelerator is not supported: CPU instances run ONNX Runtime's"
              + " default CPU provider");
    }
    JsonNode gpu = accelerators.get("gpu_execution_accelerator");
    if (gpu == null) {
      return List.of();
    }
    if (!gpu.isArray()) {
      throw new ModelConfigException(where + ".gpu_execution_accelerator must be a list");
    }
    List<ExecutionAccelerator> list = new ArrayList<>();
    for (int i = 0; i < gpu.size(); i++) {
      JsonNode entry = gpu.get(i);
      String at = where + ".gpu_execution_accelerator[" + i + "]";
      if (!entry.isObject()) {
        throw new ModelConfigException(at + " must be a mapping with name and parameters");
      }
      checkKeys(entry, Set.of("name", "parameters"), at);
      String name = entry.has("name") ? text(entry.get("name"), at + ".name") : "";
      if (!ExecutionAccelerator.CUDA.equals(name)) {
        throw new ModelConfigException(
            at
                + ".name '"
                + name
                + "' is not supported; expected cuda (ONNX Runtime's CUDA provider)");
      }
      Map<String, String> parameters = new HashMap<>();
      JsonNode values = entry.get("parameters");
      if (values != null) {
        if (!values.isObject()) {
          throw new ModelConfigException(at + ".parameters must map option names to values");
        }
        for (Map.Entry<String, JsonNode> value : values.properties()) {
          JsonNode v = value.getValue();
          if (!v.isString() && !v.isNumber() && !v.isBoolean()) {
            throw new ModelConfigException(
                at + ".parameters." + value.getKey() + " must be a string, number or boolean");
          }
          parameters.put(value.getKey(), v.asString());
        }
      }
      list.add(new ExecutionAccelerator(name, parameters));
    }
    return list;
  }
}
