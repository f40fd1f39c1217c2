package org.modelserver.runtime.config;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Triton's {@code dynamic_batching} settings.
 *
 * @param preferredBatchSizes sizes sent as soon as they are reached; empty means {@code
 *     [max_batch_size]}
 * @param maxQueueDelayMicros how long the oldest request may wait for a batch to fill
 * @param preserveOrdering whether responses leave in the order requests arrived
 * @param priorityLevels number of priority levels (0: priorities are not used)
 * @param defaultPriorityLevel the level of a request that names none
 * @param defaultQueuePolicy the queue policy of every level without its own
 * @param priorityQueuePolicies queue policies by priority level
 */
public record DynamicBatching(
    List<Integer> preferredBatchSizes,
    long maxQueueDelayMicros,
    boolean preserveOrdering,
    int priorityLevels,
    int defaultPriorityLevel,
    QueuePolicy defaultQueuePolicy,
    Map<Integer, QueuePolicy> priorityQueuePolicies) {

  public DynamicBatching {
    preferredBatchSizes = List.copyOf(preferredBatchSizes);
    priorityQueuePolicies = Map.copyOf(new TreeMap<>(priorityQueuePolicies));
    if (maxQueueDelayMicros < 0) {
      throw new ModelConfigException(
          "dynamic_batching.max_queue_delay_microseconds must be 0 or more");
    }
    if (priorityLevels < 0) {
      throw new ModelConfigException("dynamic_batching.priority_levels must be 0 or more");
    }
    if (priorityLevels == 0 && defaultPriorityLevel != 0) {
      throw new ModelConfigException(
          "dynamic_batching.default_priority_level needs priority_levels to be set");
    }
    if (priorityLevels > 0 && (defaultPriorityLevel < 1 || defaultPriorityLevel > priorityLevels)) {
      throw new ModelConfigException(
          "dynamic_batching.default_priority_level "
              + defaultPriorityLevel
              + " is outside the priority levels 1.."
              + priorityLevels);
    }
    for (Integer level : priorityQueuePolicies.keySet()) {
      if (level < 1 || level > priorityLevels) {
        throw new ModelConfigException(
            "dynamic_batching.priority_queue_policy has level "
                + level
                + " outside the priority levels 1.."
                + priorityLevels);
      }
    }
    for (Integer size : preferredBatchSizes) {
      if (size < 1) {
        throw new ModelConfigException(
            "dynamic_batching.preferred_batch_size values must be 1 or more, got " + size);
      }
    }
  }

  /** Batching with Triton's defaults: no delay, preferred size = max_batch_size. */
  public static DynamicBatching defaults() {
    return new DynamicBatching(List.of(), 0, false, 0, 0, QueuePolicy.DEFAULT, Map.of());
  }

  /** These settings with the server's default queue size wherever the config left it unset. */
  public DynamicBatching withDefaultQueueSize(int defaultSize) {
    Map<Integer, QueuePolicy> levels = new java.util.HashMap<>();
    priorityQueuePolicies.forEach(
        (level, policy) -> levels.put(level, policy.withDefaultQueueSize(defaultSize)));
    return new DynamicBatching(
        preferredBatchSizes,
        maxQueueDelayMicros,
        preserveOrdering,
        priorityLevels,
        defaultPriorityLevel,
        defaultQueuePolicy.withDefaultQueueSize(defaultSize),
        levels);
  }

  /** The queue policy of a priority level (1-based; 0 when priorities are not used). */
  public QueuePolicy queuePolicy(int level) {
    return priorityQueuePolicies.getOrDefault(level, defaultQueuePolicy);
  }

  /** Checks the settings against the model's {@code max_batch_size}. */
  public void validate(int maxBatchSize) {
    for (Integer size : preferredBatchSizes) {
      if (size > maxBatchSize) {
        throw new ModelConfigException(
            "dynamic_batching.preferred_batch_size "
                + size
                + " is above max_batch_size "
                + maxBatchSize);
      }
    }
  }
}
