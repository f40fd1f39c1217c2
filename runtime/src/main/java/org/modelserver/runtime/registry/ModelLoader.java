package org.modelserver.runtime.registry;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import org.modelserver.runtime.admission.Guards;
import org.modelserver.runtime.batch.Scheduler;
import org.modelserver.runtime.config.ConfigCompleter;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.ModelConfigException;
import org.modelserver.runtime.config.ModelConfigParser;
import org.modelserver.runtime.config.Platforms;
import org.modelserver.runtime.device.Device;
import org.modelserver.runtime.engine.Engine;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.Engines;
import org.modelserver.runtime.engine.LoadSpec;
import org.modelserver.runtime.engine.ModelLoadException;
import org.modelserver.runtime.repository.ModelSource;
import org.modelserver.runtime.stats.ModelStatistics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a model folder into a {@link Model}: reads its config, picks versions by policy and loads
 * each one. Never throws for a bad model; every failure becomes an UNAVAILABLE reason.
 */
public final class ModelLoader {
  private static final Logger log = LoggerFactory.getLogger(ModelLoader.class);

  private final Engines engines;
  private final ModelConfigParser parser;
  private final ConfigCompleter completer;
  private final int intraOpThreads;
  private final InstancePlacer placer;
  private final Guards guards;

  /** A loader that places every instance on the CPU. */
  public ModelLoader(Engines engines, ConfigCompleter completer, int intraOpThreads) {
    this(engines, completer, intraOpThreads, InstancePlacer.cpuOnly());
  }

  public ModelLoader(
      Engines engines, ConfigCompleter completer, int intraOpThreads, InstancePlacer placer) {
    this(engines, completer, intraOpThreads, placer, Guards.none());
  }

  /**
   * @param guards makes each loaded version's protection from the server's defaults
   */
  public ModelLoader(
      Engines engines,
      ConfigCompleter completer,
      int intraOpThreads,
      InstancePlacer placer,
      Guards guards) {
    this(new ModelConfigParser(), engines, completer, intraOpThreads, placer, guards);
  }

  /**
   * @param parser reads each model folder's config file (the server's reads config.pbtxt too)
   * @param guards makes each loaded version's protection from the server's defaults
   */
  public ModelLoader(
      ModelConfigParser parser,
      Engines engines,
      ConfigCompleter completer,
      int intraOpThreads,
      InstancePlacer placer,
      Guards guards) {
    this.guards = guards;
    this.engines = engines;
    this.parser = parser;
    this.completer = completer;
    this.intraOpThreads = intraOpThreads;
    this.placer = placer;
  }

  /** Makes each loaded version's protection; ensembles get theirs from here too. */
  Guards guards() {
    return guards;
  }

  public Model load(ModelSource source) {
    ModelConfig config;
    try {
      config = readConfig(source, Optional.empty());
    } catch (ModelConfigException e) {
      return failed(source, e.getMessage());
    }
    SortedSet<Long> selected;
    try {
      selected = select(source, config);
    } catch (ModelLoadException e) {
      return failed(source, e.getMessage());
    }
    NavigableMap<Long, ModelVersion> versions = new TreeMap<>();
    for (Long number : selected) {
      versions.put(
          number, loadVersion(source.name(), number, source.versions().get(number), config));
    }
    return Model.of(source.name(), versions);
  }

  /**
   * The model's config: {@code override} (Triton's {@code parameters.config} JSON of a load
   * request) when given, else the folder's config file.
   *
   * @throws ModelConfigException saying what is wrong, prefixed "invalid config: "
   */
  public ModelConfig readConfig(ModelSource source, Optional<String> override) {
    try {
      return override.isPresent()
          ? parser.parse(source.name(), override.get(), true, "parameters.config")
          : parser.read(source.name(), source.dir());
    } catch (ModelConfigException e) {
      throw new ModelConfigException("invalid config: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      log.warn("Unexpected failure reading the config of {}", source.name(), e);
      throw new ModelConfigException("invalid config: " + e, e);
    }
  }

  /**
   * The versions the config's version policy selects among the folder's.
   *
   * @throws ModelLoadException when there are none
   */
  public SortedSet<Long> select(ModelSource source, ModelConfig config) {
    if (source.versions().isEmpty()) {
      throw new ModelLoadException(
          "no version folders: expected " + source.name() + "/<positive integer>/");
    }
    SortedSet<Long> selected = config.versionPolicy().select(source.versions().navigableKeySet());
    if (selected.isEmpty()) {
      throw new ModelLoadException(
          "version_policy selects none of the versions present " + source.versions().keySet());
    }
    return selected;
  }

  /**
   * Loads one version folder; never throws for a bad model, which becomes an UNAVAILABLE version
   * with the reason.
   */
  public ModelVersion loadVersion(String name, long number, Path dir, ModelConfig config) {
    if (config.isEnsemble()) {
      return ModelVersion.unavailable(
          name, number, "ensembles load through the model manager, after their composing models");
    }
    try {
      Optional<String> platform = config.platform().or(() -> Platforms.inferFrom(dir));
      if (platform.isEmpty() && Platforms.hasSeveralModelFiles(dir)) {
        return ModelVersion.unavailable(
            name,
            number,
            "version folder "
                + number
                + " holds both model.onnx and model.pt; set platform in the config to choose");
      }
      if (platform.isEmpty()) {
        return ModelVersion.unavailable(
            name,
            number,
            "no model file in version folder " + number + ": expected " + Platforms.describe());
      }
      Engine engine =
          engines
              .forPlatform(platform.get())
              .orElseThrow(
                  () ->
                      new ModelLoadException(
                          "platform " + platform.get() + " is not available in this server"));
      Path file =
          dir.resolve(
              config.defaultModelFilename().orElse(Platforms.defaultFilename(platform.get())));
      int threads = threadsPerInstance(config);
      InstancePlacer.Placement placement =
          placer.place(
              name + " version " + number, config, engine::cudaUnavailableReason, fileSize(file));
      List<EngineSession> sessions = new ArrayList<>();
      try {
        for (Device device : placement.devices()) {
          sessions.add(engine.load(new LoadSpec(name, number, file, config, device, threads)));
        }
        ModelConfig complete =
            withLabels(
                completer.complete(config, platform.get(), sessions.get(0).signature()),
                dir.getParent());
        if (!placement.groups().equals(complete.instanceGroups())) {
          complete = complete.toBuilder().instanceGroups(placement.groups()).build();
        }
        ModelStatistics statistics = new ModelStatistics(name, number);
        Scheduler scheduler =
            Scheduler.create(
                complete,
                sessions,
                statistics,
                "model-" + name + "-v" + number,
                completer.defaultMaxQueueSize());
        try {
          VersionWarmup.run(complete, scheduler, statistics, dir.getParent());
        } catch (ModelLoadException e) {
          // The scheduler owns the sessions now: closing it closes them.
          sessions.clear();
          scheduler.close();
          throw e;
        }
        return ModelVersion.ready(
            name,
            number,
            complete,
            scheduler,
            statistics,
            placement.note(),
            guards.create(name, number, complete.protection()));
      } catch (RuntimeException e) {
        sessions.forEach(EngineSession::close);
        throw e;
      }
    } catch (ModelLoadException | ModelConfigException e) {
      return ModelVersion.unavailable(name, number, e.getMessage());
    } catch (RuntimeException | LinkageError e) {
      log.warn("Unexpected failure loading {} version {}", name, number, e);
      return ModelVersion.unavailable(name, number, "unexpected load failure: " + e);
    }
  }

  private static long fileSize(Path file) {
    try {
      return java.nio.file.Files.size(file);
    } catch (java.io.IOException e) {
      return 0; // the engine reports the missing file
    }
  }

  /** Reads the outputs' label files (one label per line) from the model folder. */
  private static ModelConfig withLabels(ModelConfig config, Path modelDir) {
    if (config.labelFiles().isEmpty()) {
      return config;
    }
    java.util.Map<String, List<String>> labels = new java.util.LinkedHashMap<>();
    for (java.util.Map.Entry<String, String> entry : config.labelFiles().entrySet()) {
      Path file = modelDir.resolve(entry.getValue());
      try {
        labels.put(entry.getKey(), java.nio.file.Files.readAllLines(file));
      } catch (java.io.IOException e) {
        throw new ModelConfigException(
            "label_filename '"
                + entry.getValue()
                + "' of output '"
                + entry.getKey()
                + "' cannot be read from the model folder: "
                + e.getMessage());
      }
    }
    return config.toBuilder().labels(labels).build();
  }

  /**
   * Intra-op threads of each instance: the model's {@code intra_op_thread_count} parameter, else
   * the server option, else the cores shared among the instances so they do not oversubscribe.
   */
  private int threadsPerInstance(ModelConfig config) {
    String fromModel = config.parameters().get("intra_op_thread_count");
    if (fromModel != null) {
      try {
        int threads = Integer.parseInt(fromModel.trim());
        if (threads >= 0) {
          return threads;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new ModelConfigException(
          "parameters.intra_op_thread_count must be a non-negative integer, got '"
              + fromModel
              + "'");
    }
    if (intraOpThreads > 0) {
      return intraOpThreads;
    }
    int cores = Runtime.getRuntime().availableProcessors();
    return Math.max(1, cores / config.instanceCount());
  }

  private static Model failed(ModelSource source, String reason) {
    NavigableMap<Long, ModelVersion> versions = new TreeMap<>();
    for (Long number : source.versions().keySet()) {
      versions.put(number, ModelVersion.unavailable(source.name(), number, reason));
    }
    return Model.failed(source.name(), reason, versions);
  }
}
