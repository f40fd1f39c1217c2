package org.modelserver.runtime.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A model's configuration with Triton's field meanings. Immutable; build one with {@link
 * #builder(String)}.
 *
 * <p>A config read from a file may be partial: no platform, no {@code max_batch_size} or no inputs
 * and outputs. Loading completes it from the model file (see {@link ConfigCompleter}).
 */
public final class ModelConfig {
  private final String name;
  private final String platform;
  private final String defaultModelFilename;
  private final Integer maxBatchSize;
  private final List<TensorSpec> inputs;
  private final List<TensorSpec> outputs;
  private final VersionPolicy versionPolicy;
  private final DynamicBatching dynamicBatching;
  private final Protection protection;
  private final List<InstanceGroup> instanceGroups;
  private final List<ExecutionAccelerator> gpuAccelerators;
  private final Map<String, String> parameters;
  private final Map<String, String> labelFiles;
  private final Map<String, List<String>> labels;
  private final List<ModelWarmup> warmup;
  private final List<EnsembleStep> ensembleSteps;

  private ModelConfig(Builder builder) {
    this.name = builder.name;
    this.platform = builder.platform;
    this.defaultModelFilename = builder.defaultModelFilename;
    this.maxBatchSize = builder.maxBatchSize;
    this.inputs = List.copyOf(builder.inputs);
    this.outputs = List.copyOf(builder.outputs);
    this.versionPolicy = builder.versionPolicy;
    this.dynamicBatching = builder.dynamicBatching;
    this.protection = builder.protection;
    this.instanceGroups = List.copyOf(builder.instanceGroups);
    this.gpuAccelerators = List.copyOf(builder.gpuAccelerators);
    this.parameters = Map.copyOf(builder.parameters);
    this.labelFiles = Map.copyOf(builder.labelFiles);
    this.labels = Map.copyOf(builder.labels);
    this.warmup = List.copyOf(builder.warmup);
    this.ensembleSteps = List.copyOf(builder.ensembleSteps);
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  public Builder toBuilder() {
    Builder builder = new Builder(name);
    builder.platform = platform;
    builder.defaultModelFilename = defaultModelFilename;
    builder.maxBatchSize = maxBatchSize;
    builder.inputs.addAll(inputs);
    builder.outputs.addAll(outputs);
    builder.versionPolicy = versionPolicy;
    builder.dynamicBatching = dynamicBatching;
    builder.protection = protection;
    builder.instanceGroups.addAll(instanceGroups);
    builder.gpuAccelerators.addAll(gpuAccelerators);
    builder.parameters.putAll(parameters);
    builder.labelFiles.putAll(labelFiles);
    builder.labels.putAll(labels);
    builder.warmup.addAll(warmup);
    builder.ensembleSteps.addAll(ensembleSteps);
    return builder;
  }

  public String name() {
    return name;
  }

  /** {@code onnxruntime_onnx} or {@code pytorch_libtorch}; empty until inferred from the files. */
  public Optional<String> platform() {
    return Optional.ofNullable(platform);
  }

  public Optional<String> defaultModelFilename() {
    return Optional.ofNullable(defaultModelFilename);
  }

  /** Empty when the config file did not say; 0 means the model does not batch. */
  public Optional<Integer> maxBatchSize() {
    return Optional.ofNullable(maxBatchSize);
  }

  /** The largest batch a request may carry; 0 when the model does not batch. */
  public int maxBatch() {
    return maxBatchSize == null ? 0 : maxBatchSize;
  }

  public boolean batched() {
    return maxBatch() > 0;
  }

  public List<TensorSpec> inputs() {
    return inputs;
  }

  public List<TensorSpec> outputs() {
    return outputs;
  }

  public Optional<TensorSpec> input(String inputName) {
    return inputs.stream().filter(spec -> spec.name().equals(inputName)).findFirst();
  }

  public Optional<TensorSpec> output(String outputName) {
    return outputs.stream().filter(spec -> spec.name().equals(outputName)).findFirst();
  }

  public VersionPolicy versionPolicy() {
    return versionPolicy;
  }

  /** Whether this is a Triton ensemble ({@code platform: ensemble}). */
  public boolean isEnsemble() {
    return Platforms.ENSEMBLE.equals(platform);
  }

  /** Triton's {@code ensemble_scheduling.step}; empty unless {@link #isEnsemble()}. */
  public List<EnsembleStep> ensembleSteps() {
    return ensembleSteps;
  }

  /** Triton's {@code model_warmup}: samples run before a version becomes READY. */
  public List<ModelWarmup> warmup() {
    return warmup;
  }

  /** Triton's {@code dynamic_batching}; empty when requests execute one by one. */
  /** The model's own {@code protection} section; unset fields take the server's defaults. */
  public Protection protection() {
    return protection;
  }

  public Optional<DynamicBatching> dynamicBatching() {
    return Optional.ofNullable(dynamicBatching);
  }

  /** Triton's {@code optimization.execution_accelerators.gpu_execution_accelerator}. */
  public List<ExecutionAccelerator> gpuAccelerators() {
    return gpuAccelerators;
  }

  public List<InstanceGroup> instanceGroups() {
    return instanceGroups;
  }

  /** Execution instances to create: the sum of the instance groups' counts, 1 by default. */
  public int instanceCount() {
    return instanceGroups.isEmpty()
        ? 1
        : instanceGroups.stream().mapToInt(InstanceGroup::count).sum();
  }

  /** Triton's string {@code parameters}, for example {@code intra_op_thread_count}. */
  public Map<String, String> parameters() {
    return parameters;
  }

  /** Triton's {@code label_filename} of outputs, by output name (files in the model folder). */
  public Map<String, String> labelFiles() {
    return labelFiles;
  }

  /** The labels read from the label files at load, by output name. */
  public Map<String, List<String>> labels() {
    return labels;
  }

  /** A mutable builder; {@link #build()} checks what can be checked without the model file. */
  public static final class Builder {
    private final String name;
    private String platform;
    private String defaultModelFilename;
    private Integer maxBatchSize;
    private final List<TensorSpec> inputs = new ArrayList<>();
    private final List<TensorSpec> outputs = new ArrayList<>();
    private VersionPolicy versionPolicy = VersionPolicy.defaultPolicy();
    private DynamicBatching dynamicBatching;
    private Protection protection = Protection.INHERIT;
    private final List<InstanceGroup> instanceGroups = new ArrayList<>();
    private final List<ExecutionAccelerator> gpuAccelerators = new ArrayList<>();
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private final Map<String, String> labelFiles = new LinkedHashMap<>();
    private final Map<String, List<String>> labels = new LinkedHashMap<>();
    private final List<ModelWarmup> warmup = new ArrayList<>();
    private final List<EnsembleStep> ensembleSteps = new ArrayList<>();

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    public Builder platform(String value) {
      this.platform = value;
      return this;
    }

    public Builder defaultModelFilename(String value) {
      this.defaultModelFilename = value;
      return this;
    }

    public Builder maxBatchSize(Integer value) {
      this.maxBatchSize = value;
      return this;
    }

    public Builder inputs(List<TensorSpec> values) {
      inputs.clear();
      inputs.addAll(values);
      return this;
    }

    public Builder outputs(List<TensorSpec> values) {
      outputs.clear();
      outputs.addAll(values);
      return this;
    }

    public Builder versionPolicy(VersionPolicy value) {
      this.versionPolicy = Objects.requireNonNull(value, "versionPolicy");
      return this;
    }

    public Builder protection(Protection value) {
      this.protection = java.util.Objects.requireNonNull(value, "protection");
      return this;
    }

    public Builder dynamicBatching(DynamicBatching value) {
      this.dynamicBatching = value;
      return this;
    }

    public Builder instanceGroups(List<InstanceGroup> values) {
      instanceGroups.clear();
      instanceGroups.addAll(values);
      return this;
    }

    public Builder gpuAccelerators(List<ExecutionAccelerator> values) {
      gpuAccelerators.clear();
      gpuAccelerators.addAll(values);
      return this;
    }

    public Builder parameters(Map<String, String> values) {
      parameters.clear();
      parameters.putAll(values);
      return this;
    }

    public Builder labelFiles(Map<String, String> values) {
      labelFiles.clear();
      labelFiles.putAll(values);
      return this;
    }

    public Builder warmup(List<ModelWarmup> values) {
      warmup.clear();
      warmup.addAll(values);
      return this;
    }

    public Builder ensembleSteps(List<EnsembleStep> values) {
      ensembleSteps.clear();
      ensembleSteps.addAll(values);
      return this;
    }

    public Builder labels(Map<String, List<String>> values) {
      labels.clear();
      values.forEach((output, list) -> labels.put(output, List.copyOf(list)));
      return this;
    }

    public ModelConfig build() {
      if (maxBatchSize != null && maxBatchSize < 0) {
        throw new ModelConfigException("max_batch_size must be 0 or more, got " + maxBatchSize);
      }
      if (dynamicBatching != null && maxBatchSize != null && maxBatchSize > 0) {
        dynamicBatching.validate(maxBatchSize);
      }
      checkUnique("input", inputs);
      checkUnique("output", outputs);
      if (Platforms.ENSEMBLE.equals(platform) != !ensembleSteps.isEmpty()) {
        throw new ModelConfigException(
            ensembleSteps.isEmpty()
                ? "platform 'ensemble' needs ensemble_scheduling with at least one step"
                : "ensemble_scheduling is only allowed with platform 'ensemble'");
      }
      return new ModelConfig(this);
    }

    private static void checkUnique(String kind, List<TensorSpec> specs) {
      List<String> seen = new ArrayList<>();
      for (TensorSpec spec : specs) {
        if (seen.contains(spec.name())) {
          throw new ModelConfigException(kind + " '" + spec.name() + "' is declared twice");
        }
        seen.add(spec.name());
      }
    }
  }
}
