package org.modelserver.server.rest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.registry.ModelVersion;
import org.modelserver.runtime.stats.BatchStats;
import org.modelserver.runtime.stats.ComputeDurations;
import org.modelserver.runtime.stats.Duration;
import org.modelserver.runtime.stats.ModelStatistics;
import org.modelserver.server.Versions;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * Triton's statistics extension: {@code GET v2/models[/{model}[/versions/{version}]]/stats}, with
 * Triton's field names. Lists READY versions only: every one of every model, every one of a model,
 * or one version.
 */
@RestController
class StatisticsController {
  private final ModelRegistry registry;

  StatisticsController(ModelRegistry registry) {
    this.registry = registry;
  }

  @GetMapping("/v2/models/stats")
  Map<String, Object> all() {
    return response(registry.statisticsOf(Optional.empty(), Optional.empty()));
  }

  @GetMapping({"/v2/models/{model}/stats", "/v2/models/{model}/versions/{version}/stats"})
  Map<String, Object> model(
      @PathVariable String model, @PathVariable(required = false) String version) {
    // 404 for an unknown model or version, 503 for one that is known but not ready
    return response(registry.statisticsOf(Optional.of(model), Versions.parse(version)));
  }

  private static Map<String, Object> response(List<ModelVersion> versions) {
    List<Map<String, Object>> stats = new ArrayList<>();
    for (ModelVersion version : versions) {
      stats.add(modelStat(version.modelName(), version.version(), version.statistics()));
    }
    return Map.of("model_stats", stats);
  }

  private static void putCompute(Map<String, Object> target, ComputeDurations compute) {
    target.put("compute_input", duration(compute.computeInput()));
    target.put("compute_infer", duration(compute.computeInfer()));
    target.put("compute_output", duration(compute.computeOutput()));
  }

  private static Map<String, Object> modelStat(
      String name, long version, ModelStatistics statistics) {
    Map<String, Object> inference = new LinkedHashMap<>();
    inference.put("success", duration(statistics.success()));
    inference.put("fail", duration(statistics.fail()));
    inference.put("queue", duration(statistics.queue()));
    putCompute(inference, statistics);
    // there is no response cache: hits and misses are always zero
    inference.put("cache_hit", duration(0, 0));
    inference.put("cache_miss", duration(0, 0));

    List<Map<String, Object>> batches = new ArrayList<>();
    for (BatchStats batch : statistics.batchStats().values()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("batch_size", batch.batchSize());
      putCompute(entry, batch);
      batches.add(entry);
    }

    Map<String, Object> stat = new LinkedHashMap<>();
    stat.put("name", name);
    stat.put("version", Long.toString(version));
    stat.put("last_inference", statistics.lastInferenceMillis());
    stat.put("inference_count", statistics.inferenceCount());
    stat.put("execution_count", statistics.executionCount());
    stat.put("inference_stats", inference);
    stat.put("batch_stats", batches);
    return stat;
  }

  private static Map<String, Object> duration(Duration duration) {
    return duration(duration.count(), duration.ns());
  }

  private static Map<String, Object> duration(long count, long ns) {
    Map<String, Object> stat = new LinkedHashMap<>();
    stat.put("count", count);
    stat.put("ns", ns);
    return stat;
  }
}
