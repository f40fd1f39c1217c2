package org.modelserver.runtime.train.job;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.ModelConfigException;
import org.modelserver.runtime.config.ModelConfigParser;
import org.modelserver.runtime.config.Platforms;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.registry.ModelVersion;
import org.modelserver.runtime.train.data.TrainingData;
import org.modelserver.runtime.train.job.JobRecord.DatasetSummary;
import org.modelserver.runtime.train.spec.DatasetFormat;
import org.modelserver.runtime.train.spec.DatasetSource;
import org.modelserver.runtime.train.spec.TrainingSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks a fine-tuning request completely before anything is queued: the model version, its
 * platform, the settings and the dataset. Every problem is a {@link ServingException} whose message
 * names it.
 */
public final class JobPlanner {
  private final ModelRegistry registry;
  private final Path repositoryRoot;
  private final Path dataDir;
  private final TrainingDevices devices;

  /**
   * @param dataDir the folder {@code dataset.path} is resolved in
   */
  /** A planner whose jobs train on the CPU ({@code device: cuda:N} is refused). */
  public JobPlanner(ModelRegistry registry, Path repositoryRoot, Path dataDir) {
    this(registry, repositoryRoot, dataDir, TrainingDevices.cpuOnly());
  }

  public JobPlanner(
      ModelRegistry registry, Path repositoryRoot, Path dataDir, TrainingDevices devices) {
    this.registry = registry;
    this.repositoryRoot = repositoryRoot.toAbsolutePath().normalize();
    this.dataDir = dataDir;
    this.devices = devices;
  }

  /** A dataset sent as a file of a multipart request. */
  public record Upload(Optional<String> filename, byte[] bytes) {}

  /** The version a job starts from: READY, TorchScript, with its completed config. */
  public record BaseVersion(String model, long version, ModelConfig config) {}

  /**
   * The first check, made before the request's body is read.
   *
   * @param version empty for the model's default version
   * @throws ServingException INVALID_ARGUMENT for an unknown model or version (the contract
   *     for a fine-tuning request: a bad request, not a missing resource) and for a model that is
   *     not TorchScript, UNAVAILABLE for one that is not ready
   */
  public BaseVersion base(String model, Optional<Long> version) {
    ModelVersion base;
    try {
      base = registry.resolve(model, version);
    } catch (ServingException e) {
      if (e.kind() != ErrorKind.NOT_FOUND) {
        throw e;
      }
      throw ServingException.invalidArgument("cannot fine-tune: " + e.getMessage());
    }
    ModelConfig config =
        base.config()
            .orElseThrow(() -> ServingException.unavailable("model '" + model + "' is not ready"));
    String platform = config.platform().orElse("unknown");
    if (!platform.equals(Platforms.TORCH)) {
      throw ServingException.invalidArgument(
          "model '"
              + model
              + "' version "
              + base.version()
              + " is a "
              + platform
              + " model; only TorchScript models ("
              + Platforms.TORCH
              + ") can be fine-tuned");
    }
    return new BaseVersion(model, base.version(), config);
  }

  /**
   * Checks the settings and the dataset against the base version.
   *
   * @param settings the job's settings; with an upload, its {@code dataset} may only name the
   *     {@code format} (else guessed from the file name)
   * @throws ServingException INVALID_ARGUMENT naming what is wrong with the settings or the data
   */
  public JobPlan plan(BaseVersion base, JsonNode settings, Optional<Upload> upload) {
    String model = base.model();
    ModelConfig config = base.config();
    if (settings == null || !settings.isObject()) {
      throw ServingException.invalidArgument("the training settings must be a JSON object");
    }
    TrainingSpec spec;
    byte[] bytes;
    Origin origin;
    if (upload.isPresent()) {
      DatasetFormat format = uploadFormat(settings, upload.get());
      ObjectNode withData = (ObjectNode) settings.deepCopy();
      withData.putObject("dataset").put("format", format.configName()).put("data", "");
      spec = TrainingSpec.parse(withData, config);
      bytes = upload.get().bytes();
      origin = new Origin(format, "upload", upload.get().filename());
    } else {
      spec = TrainingSpec.parse(settings, config);
      DatasetSource source = spec.dataset();
      bytes = source.read(dataDir);
      origin =
          source instanceof DatasetSource.DataFile file
              ? new Origin(file.format(), "path", Optional.of(file.path()))
              : new Origin(source.format(), "inline", Optional.empty());
    }
    spec = spec.withDevice(devices.choose(spec.device()));
    TrainingData data = TrainingData.parse(origin.format(), bytes, config, spec);
    // Fails now, not when the job runs, when the split leaves nothing to train on.
    data.split(spec.seed(), spec.validationSplit());
    Path versionDir = repositoryRoot.resolve(model).resolve(Long.toString(base.version()));
    Path modelFile =
        versionDir.resolve(
            config.defaultModelFilename().orElse(Platforms.defaultFilename(Platforms.TORCH)));
    if (!Files.isRegularFile(modelFile)) {
      throw ServingException.unavailable(
          "model '"
              + model
              + "' version "
              + base.version()
              + " serves, but its file "
              + modelFile
              + " is gone from the repository");
    }
    Optional<Path> configFile;
    try {
      configFile = ModelConfigParser.configFile(repositoryRoot.resolve(model));
    } catch (ModelConfigException e) {
      throw ServingException.conflict(
          "model '" + model + "' has a config problem in the repository: " + e.getMessage());
    }
    return new JobPlan(
        model,
        base.version(),
        config,
        modelFile,
        configFile,
        spec,
        data,
        new DatasetSummary(
            origin.format(),
            origin.source(),
            origin.name(),
            data.sha256(),
            bytes.length,
            data.size()));
  }

  /** Where a dataset came from. */
  private record Origin(DatasetFormat format, String source, Optional<String> name) {}

  /** The upload's format: {@code dataset.format} in the settings, else the file's extension. */
  private static DatasetFormat uploadFormat(JsonNode settings, Upload upload) {
    JsonNode dataset = settings.get("dataset");
    if (dataset != null) {
      if (!dataset.isObject()
          || dataset.has("data")
          || dataset.has("path")
          || dataset.size() != (dataset.has("format") ? 1 : 0)) {
        throw ServingException.invalidArgument(
            "with a dataset file in the request, settings.dataset may only name its format, as"
                + " {\"format\": \"jsonl\"} or {\"format\": \"csv\"}; got "
                + dataset);
      }
      JsonNode format = dataset.get("format");
      if (format != null) {
        if (!format.isString()) {
          throw ServingException.invalidArgument(
              "'dataset.format' must be a string, got " + format);
        }
        return DatasetFormat.fromConfigName(format.stringValue())
            .orElseThrow(
                () ->
                    ServingException.invalidArgument(
                        "'dataset.format' is '"
                            + format.stringValue()
                            + "'; expected one of jsonl, csv"));
      }
    }
    String name = upload.filename().orElse("").toLowerCase(Locale.ROOT);
    if (name.endsWith(".csv")) {
      return DatasetFormat.CSV;
    }
    if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
      return DatasetFormat.JSONL;
    }
    throw ServingException.invalidArgument(
        "cannot tell the uploaded dataset's format from its file name '"
            + upload.filename().orElse("")
            + "'; name the file *.jsonl or *.csv, or set settings.dataset.format");
  }
}
