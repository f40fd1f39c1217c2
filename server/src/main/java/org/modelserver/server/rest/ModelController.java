package org.modelserver.server.rest;

import static org.modelserver.server.Versions.versionNames;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.modelserver.runtime.config.DynamicBatching;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.ModelWarmup;
import org.modelserver.runtime.config.QueuePolicy;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.config.VersionPolicy;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.registry.ModelVersion;
import org.modelserver.server.Versions;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** Model metadata, readiness and configuration (Triton's model configuration extension). */
@RestController
class ModelController {
  private final ModelRegistry registry;
  private final org.modelserver.server.security.ManagementAccess access;

  ModelController(ModelRegistry registry, org.modelserver.server.security.ManagementAccess access) {
    this.registry = registry;
    this.access = access;
  }

  @GetMapping({"/v2/models/{model}", "/v2/models/{model}/versions/{version}"})
  Map<String, Object> metadata(
      @PathVariable String model, @PathVariable(required = false) String version) {
    ModelVersion resolved = registry.resolve(model, Versions.parse(version));
    ModelConfig config = resolved.config().orElseThrow();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", model);
    body.put("versions", versionNames(registry.find(model).orElseThrow().readyVersions()));
    body.put("platform", config.platform().orElse(""));
    body.put("inputs", tensors(config.inputs(), config.batched()));
    body.put("outputs", tensors(config.outputs(), config.batched()));
    return body;
  }

  @GetMapping({"/v2/models/{model}/ready", "/v2/models/{model}/versions/{version}/ready"})
  ResponseEntity<Map<String, Object>> ready(
      @PathVariable String model,
      @PathVariable(required = false) String version,
      jakarta.servlet.http.HttpServletRequest http) {
    Optional<String> notReady = registry.notReadyReason(model, Versions.parse(version));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", model);
    body.put("ready", notReady.isEmpty());
    if (notReady.isEmpty()) {
      return ResponseEntity.ok(body);
    }
    // Open to probes; why a model failed (paths, engine messages) is for callers who may infer.
    body.put(
        "error",
        access.mayInfer(http)
            ? notReady.get()
            : "model '" + model + "' is not ready (the reason needs the inference token)");
    return ResponseEntity.status(HttpStatus.BAD_REQUEST).body(body);
  }

  @GetMapping({"/v2/models/{model}/config", "/v2/models/{model}/versions/{version}/config"})
  Map<String, Object> config(
      @PathVariable String model, @PathVariable(required = false) String version) {
    ModelConfig config = registry.resolve(model, Versions.parse(version)).config().orElseThrow();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", config.name());
    body.put("platform", config.platform().orElse(""));
    body.put("max_batch_size", config.maxBatch());
    body.put("input", configTensors(config.inputs(), Map.of()));
    body.put("output", configTensors(config.outputs(), config.labelFiles()));
    body.put("version_policy", versionPolicy(config.versionPolicy()));
    config.defaultModelFilename().ifPresent(file -> body.put("default_model_filename", file));
    config
        .dynamicBatching()
        .ifPresent(batching -> body.put("dynamic_batching", batching(batching)));
    if (!config.instanceGroups().isEmpty()) {
      body.put(
          "instance_group",
          config.instanceGroups().stream()
              .map(
                  group ->
                      group.gpus().isEmpty()
                          ? Map.of("count", group.count(), "kind", group.kind())
                          : Map.of(
                              "count", group.count(), "kind", group.kind(), "gpus", group.gpus()))
              .toList());
    }
    if (!config.gpuAccelerators().isEmpty()) {
      List<Map<String, Object>> accelerators =
          config.gpuAccelerators().stream()
              .map(
                  accelerator ->
                      Map.<String, Object>of(
                          "name", accelerator.name(), "parameters", accelerator.parameters()))
              .toList();
      body.put(
          "optimization",
          Map.of("execution_accelerators", Map.of("gpu_execution_accelerator", accelerators)));
    }
    if (!config.warmup().isEmpty()) {
      body.put("model_warmup", config.warmup().stream().map(ModelController::warmup).toList());
    }
    if (config.isEnsemble()) {
      body.put(
          "ensemble_scheduling",
          Map.of("step", config.ensembleSteps().stream().map(ModelController::step).toList()));
    }
    if (!config.parameters().isEmpty()) {
      Map<String, Object> parameters = new LinkedHashMap<>();
      config
          .parameters()
          .forEach((key, value) -> parameters.put(key, Map.of("string_value", value)));
      body.put("parameters", parameters);
    }
    return body;
  }

  private static List<Map<String, Object>> tensors(List<TensorSpec> specs, boolean batched) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (TensorSpec spec : specs) {
      Map<String, Object> tensor = new LinkedHashMap<>();
      tensor.put("name", spec.name());
      tensor.put("datatype", spec.dataType().protocolName());
      tensor.put("shape", spec.shape(batched));
      list.add(tensor);
    }
    return list;
  }

  private static List<Map<String, Object>> configTensors(
      List<TensorSpec> specs, Map<String, String> labelFiles) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (TensorSpec spec : specs) {
      Map<String, Object> tensor = new LinkedHashMap<>();
      tensor.put("name", spec.name());
      tensor.put("data_type", spec.dataType().configName());
      tensor.put("dims", spec.dims());
      String labels = labelFiles.get(spec.name());
      if (labels != null) {
        tensor.put("label_filename", labels);
      }
      list.add(tensor);
    }
    return list;
  }

  /** An ensemble step as Triton's config JSON writes it. */
  private static Map<String, Object> step(org.modelserver.runtime.config.EnsembleStep step) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model_name", step.modelName());
    body.put("model_version", step.modelVersion());
    body.put("input_map", step.inputMap());
    body.put("output_map", step.outputMap());
    return body;
  }

  /** A {@code model_warmup} sample as Triton's config JSON writes it. */
  private static Map<String, Object> warmup(ModelWarmup sample) {
    Map<String, Object> inputs = new LinkedHashMap<>();
    sample
        .inputs()
        .forEach(
            (name, input) -> {
              Map<String, Object> data = new LinkedHashMap<>();
              data.put("data_type", input.dataType().configName());
              data.put("dims", input.dims());
              switch (input.source()) {
                case ZERO -> data.put("zero_data", true);
                case RANDOM -> data.put("random_data", true);
                case FILE -> data.put("input_data_file", input.dataFile());
              }
              inputs.put(name, data);
            });
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", sample.name());
    body.put("batch_size", sample.batchSize());
    body.put("inputs", inputs);
    body.put("count", sample.count());
    return body;
  }

  private static Map<String, Object> batching(DynamicBatching batching) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("preferred_batch_size", batching.preferredBatchSizes());
    body.put("max_queue_delay_microseconds", batching.maxQueueDelayMicros());
    body.put("preserve_ordering", batching.preserveOrdering());
    body.put("priority_levels", batching.priorityLevels());
    body.put("default_priority_level", batching.defaultPriorityLevel());
    body.put("default_queue_policy", queuePolicy(batching.defaultQueuePolicy()));
    Map<String, Object> levels = new LinkedHashMap<>();
    batching
        .priorityQueuePolicies()
        .forEach((level, policy) -> levels.put(Integer.toString(level), queuePolicy(policy)));
    if (!levels.isEmpty()) {
      body.put("priority_queue_policy", levels);
    }
    return body;
  }

  private static Map<String, Object> queuePolicy(QueuePolicy policy) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("timeout_action", policy.timeoutAction().name());
    body.put("default_timeout_microseconds", policy.defaultTimeoutMicros());
    body.put("allow_timeout_override", policy.allowTimeoutOverride());
    body.put("max_queue_size", policy.maxQueueSize());
    return body;
  }

  private static Map<String, Object> versionPolicy(VersionPolicy policy) {
    if (policy instanceof VersionPolicy.Latest latest) {
      return Map.of("latest", Map.of("num_versions", latest.numVersions()));
    }
    if (policy instanceof VersionPolicy.Specific specific) {
      return Map.of("specific", Map.of("versions", specific.sorted()));
    }
    return Map.of("all", Map.of());
  }
}
