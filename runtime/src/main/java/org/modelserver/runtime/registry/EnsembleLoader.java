package org.modelserver.runtime.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.modelserver.runtime.admission.Guards;
import org.modelserver.runtime.config.EnsembleStep;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.stats.ModelStatistics;
import org.modelserver.runtime.tensor.Shape;

/**
 * Loads an ensemble version: checks its steps against the composing models as they are loaded now
 * (READY, tensor names, data types, shapes, batching), its tensor graph (every tensor produced
 * once, every step input and ensemble output produced, no cycle) and the ensembles it reaches (no
 * cycle back to itself), then makes its {@link EnsembleScheduler}. Every problem becomes the
 * version's UNAVAILABLE reason, naming what is wrong.
 */
final class EnsembleLoader {
  private final ModelRegistry registry;
  private final Function<String, Optional<ModelConfig>> repositoryConfigs;
  private final Guards guards;

  /**
   * @param repositoryConfigs the config of a repository model by name (loaded or not), to find
   *     cycles through ensembles that are not loaded yet
   */
  EnsembleLoader(
      ModelRegistry registry,
      Function<String, Optional<ModelConfig>> repositoryConfigs,
      Guards guards) {
    this.registry = registry;
    this.repositoryConfigs = repositoryConfigs;
    this.guards = guards;
  }

  ModelVersion load(long number, ModelConfig config) {
    String name = config.name();
    try {
      check(config);
    } catch (IllegalStateException e) {
      return ModelVersion.unavailable(name, number, "ensemble: " + e.getMessage());
    }
    ModelStatistics statistics = new ModelStatistics(name, number);
    return ModelVersion.ensemble(
        number,
        config,
        new EnsembleScheduler(config, number, registry, statistics),
        statistics,
        guards.create(name, number, config.protection()));
  }

  /** The ensemble's problems, first found first; throws IllegalStateException with the reason. */
  private void check(ModelConfig config) {
    if (config.inputs().isEmpty() || config.outputs().isEmpty()) {
      throw new IllegalStateException(
          "an ensemble must declare its inputs and outputs (name, data_type, dims)");
    }
    cycle(config.name(), config, new ArrayList<>());
    Map<String, Producer> produced = new HashMap<>();
    for (TensorSpec input : config.inputs()) {
      produced.put(input.name(), new Producer("the ensemble input", input));
    }
    List<ModelConfig> stepConfigs = new ArrayList<>();
    List<EnsembleStep> steps = config.ensembleSteps();
    for (int i = 0; i < steps.size(); i++) {
      EnsembleStep step = steps.get(i);
      String where = "step " + i + " (model '" + step.modelName() + "')";
      ModelConfig stepConfig = composing(step, where);
      stepConfigs.add(stepConfig);
      if (config.batched() != stepConfig.batched()) {
        throw new IllegalStateException(
            where
                + ": the ensemble's max_batch_size is "
                + config.maxBatch()
                + " but the model's is "
                + stepConfig.maxBatch()
                + "; both must batch or neither");
      }
      if (config.maxBatch() > stepConfig.maxBatch()) {
        throw new IllegalStateException(
            where
                + ": the ensemble's max_batch_size "
                + config.maxBatch()
                + " is larger than the model's "
                + stepConfig.maxBatch());
      }
      for (String input : step.inputMap().keySet()) {
        if (stepConfig.input(input).isEmpty()) {
          throw new IllegalStateException(
              where
                  + ": input_map names unknown input '"
                  + input
                  + "'; the model's inputs are "
                  + names(stepConfig.inputs()));
        }
      }
      for (TensorSpec input : stepConfig.inputs()) {
        if (!step.inputMap().containsKey(input.name())) {
          throw new IllegalStateException(
              where + ": the model's input '" + input.name() + "' is not in input_map");
        }
      }
      for (Map.Entry<String, String> entry : step.outputMap().entrySet()) {
        TensorSpec output =
            stepConfig
                .output(entry.getKey())
                .orElseThrow(
                    () ->
                        new IllegalStateException(
                            where
                                + ": output_map names unknown output '"
                                + entry.getKey()
                                + "'; the model's outputs are "
                                + names(stepConfig.outputs())));
        Producer earlier =
            produced.putIfAbsent(
                entry.getValue(), new Producer(where + " output '" + entry.getKey() + "'", output));
        if (earlier != null) {
          throw new IllegalStateException(
              "ensemble tensor '"
                  + entry.getValue()
                  + "' is produced twice: by "
                  + earlier.what
                  + " and by "
                  + where);
        }
      }
    }
    for (int i = 0; i < steps.size(); i++) {
      EnsembleStep step = steps.get(i);
      String where = "step " + i + " (model '" + step.modelName() + "')";
      for (Map.Entry<String, String> entry : step.inputMap().entrySet()) {
        Producer producer = produced.get(entry.getValue());
        if (producer == null) {
          throw new IllegalStateException(
              where
                  + ": input '"
                  + entry.getKey()
                  + "' reads ensemble tensor '"
                  + entry.getValue()
                  + "', which no step produces and the ensemble does not take as input");
        }
        TensorSpec consumer = stepConfigs.get(i).input(entry.getKey()).orElseThrow();
        requireCompatible(producer, consumer, where + " input '" + entry.getKey() + "'");
      }
    }
    for (TensorSpec output : config.outputs()) {
      Producer producer = produced.get(output.name());
      if (producer == null || producer.what.equals("the ensemble input")) {
        throw new IllegalStateException(
            "ensemble output '" + output.name() + "' is produced by no step");
      }
      requireCompatible(producer, output, "ensemble output '" + output.name() + "'");
    }
    requireAcyclicSteps(config);
  }

  /** The READY config a step runs on now. */
  private ModelConfig composing(EnsembleStep step, String where) {
    Model model =
        registry
            .find(step.modelName())
            .filter(found -> !found.isUnloaded())
            .orElseThrow(() -> new IllegalStateException(where + ": the model is not loaded"));
    Optional<ModelVersion> version =
        step.version().isPresent()
            ? model.version(step.version().get()).filter(ModelVersion::isReady)
            : model.defaultVersion();
    return version
        .flatMap(ModelVersion::config)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    where
                        + ": "
                        + (step.version().isPresent()
                            ? "version " + step.version().get()
                            : "no version")
                        + " of the model is ready: "
                        + model.unavailableReason()));
  }

  /**
   * Fails naming the path when following ensemble steps from {@code config} reaches {@code root}.
   */
  private void cycle(String root, ModelConfig config, List<String> path) {
    path.add(config.name());
    for (EnsembleStep step : config.ensembleSteps()) {
      if (step.modelName().equals(root)) {
        throw new IllegalStateException("cycle: " + String.join(" -> ", path) + " -> " + root);
      }
      if (path.contains(step.modelName())) {
        continue; // a cycle that does not pass through root is reported by its own members
      }
      Optional<ModelConfig> next = configOf(step.modelName());
      if (next.isPresent() && next.get().isEnsemble()) {
        cycle(root, next.get(), path);
      }
    }
    path.remove(path.size() - 1);
  }

  private Optional<ModelConfig> configOf(String name) {
    Optional<ModelConfig> loaded =
        registry.find(name).flatMap(Model::defaultVersion).flatMap(ModelVersion::config);
    return loaded.isPresent() ? loaded : repositoryConfigs.apply(name);
  }

  /** Steps that wait on each other's outputs would never run. */
  private static void requireAcyclicSteps(ModelConfig config) {
    List<EnsembleStep> steps = config.ensembleSteps();
    java.util.Set<String> available = new java.util.HashSet<>(names(config.inputs()));
    boolean[] ran = new boolean[steps.size()];
    boolean progress = true;
    while (progress) {
      progress = false;
      for (int i = 0; i < steps.size(); i++) {
        if (!ran[i] && available.containsAll(steps.get(i).inputMap().values())) {
          ran[i] = true;
          available.addAll(steps.get(i).outputMap().values());
          progress = true;
        }
      }
    }
    List<Integer> stuck = new ArrayList<>();
    for (int i = 0; i < ran.length; i++) {
      if (!ran[i]) {
        stuck.add(i);
      }
    }
    if (!stuck.isEmpty()) {
      throw new IllegalStateException(
          "cycle: steps " + stuck + " wait on each other's outputs and can never run");
    }
  }

  private static void requireCompatible(Producer producer, TensorSpec consumer, String where) {
    TensorSpec spec = producer.spec;
    if (spec.dataType() != consumer.dataType()) {
      throw new IllegalStateException(
          "data type mismatch: "
              + where
              + " is "
              + consumer.dataType().configName()
              + " but "
              + producer.what
              + " is "
              + spec.dataType().configName());
    }
    long[] a = spec.dims();
    long[] b = consumer.dims();
    boolean fits = a.length == b.length;
    for (int i = 0; fits && i < a.length; i++) {
      fits = a[i] == -1 || b[i] == -1 || a[i] == b[i];
    }
    if (!fits) {
      throw new IllegalStateException(
          "shape mismatch: "
              + where
              + " has dims "
              + Shape.format(b)
              + " but "
              + producer.what
              + " has dims "
              + Shape.format(a));
    }
  }

  private static List<String> names(List<TensorSpec> specs) {
    return specs.stream().map(TensorSpec::name).toList();
  }

  private record Producer(String what, TensorSpec spec) {}
}
