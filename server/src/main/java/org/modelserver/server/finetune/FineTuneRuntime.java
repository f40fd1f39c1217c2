package org.modelserver.server.finetune;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.modelserver.runtime.admission.Guards;
import org.modelserver.runtime.config.ConfigCompleter;
import org.modelserver.runtime.config.ModelConfigParser;
import org.modelserver.runtime.device.CudaInventory;
import org.modelserver.runtime.device.DeviceInventory;
import org.modelserver.runtime.engine.Engines;
import org.modelserver.runtime.engine.onnx.OnnxEngine;
import org.modelserver.runtime.engine.torch.TorchEngine;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.registry.ControlMode;
import org.modelserver.runtime.registry.IndexEntry;
import org.modelserver.runtime.registry.InstancePlacer;
import org.modelserver.runtime.registry.ModelLoader;
import org.modelserver.runtime.registry.ModelManager;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.registry.ModelState;
import org.modelserver.runtime.repository.FileTrees;
import org.modelserver.runtime.repository.ModelRepository;
import org.modelserver.runtime.repository.UploadLimits;
import org.modelserver.runtime.train.job.JobPlanner;
import org.modelserver.runtime.train.job.TrainingDevices;
import org.modelserver.runtime.train.job.TrainingJobs;
import org.modelserver.runtime.train.job.VersionPublisher;
import org.modelserver.runtime.train.torch.FineTuner;
import org.modelserver.server.pbtxt.PbtxtConfigReader;

/**
 * The part of the runtime one batch job needs, wired with plain {@code new} as the server's Spring
 * configuration wires it: libtorch, the model loaded alone (in explicit mode), the planner, and a
 * trainer of one slot whose private folder is a temporary folder outside the repository. Closing it
 * stops the job, frees the natives, deletes the temporary folder, and removes the hidden folders of
 * the repository it created that are left empty ({@code .staging}, {@code .serving}).
 */
final class FineTuneRuntime implements AutoCloseable {
  /** The server's defaults, so that the model's config is completed the same way. */
  private static final int DEFAULT_MAX_BATCH_SIZE = 4;

  private static final int DEFAULT_MAX_QUEUE_SIZE = 256;
  private static final long MAX_UPLOAD_BYTES = 2L << 30;
  private static final long GPU_MEMORY_RESERVE = 512L << 20;
  private static final long STOP_TIMEOUT_SECONDS = 60;
  private static final List<String> HIDDEN_FOLDERS = List.of(".staging", ".serving");

  private final Engines engines;
  private final ModelRegistry registry = new ModelRegistry();
  private final ModelManager manager;
  private final JobPlanner planner;
  private final TrainingJobs jobs;
  private final Path trainingDir;
  private final List<Path> absentHiddenFolders = new ArrayList<>();
  private boolean closed;

  private FineTuneRuntime(FineTuneArgs args, Path trainingDir) {
    this.trainingDir = trainingDir;
    ModelRepository repository = new ModelRepository(args.modelRepository());
    for (String name : HIDDEN_FOLDERS) {
      Path folder = repository.root().resolve(name);
      if (!Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
        absentHiddenFolders.add(folder);
      }
    }
    TorchEngine torch =
        new TorchEngine(
            new TorchEngine.Options(
                args.torchCacheDir(), args.torchThreads(), args.torchInteropThreads()));
    // ONNX too, so that an ONNX model is refused with the server's message, not "no engine".
    engines = new Engines(List.of(new OnnxEngine(), torch));
    DeviceInventory devices = CudaInventory.discover();
    // The job loads versions to check them, not to serve: a GPU model also loads on a CPU node.
    ModelLoader loader =
        new ModelLoader(
            new ModelConfigParser(new PbtxtConfigReader()),
            engines,
            new ConfigCompleter(DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_QUEUE_SIZE),
            0,
            new InstancePlacer(devices, InstancePlacer.Fallback.CPU, GPU_MEMORY_RESERVE),
            Guards.none());
    manager =
        new ModelManager(
            repository,
            loader,
            registry,
            ControlMode.EXPLICIT,
            new UploadLimits(MAX_UPLOAD_BYTES, 10_000));
    planner =
        new JobPlanner(
            registry,
            repository.root(),
            args.trainingDataDir(),
            TrainingDevices.of(devices, torch::cudaUnavailableReason));
    jobs =
        new TrainingJobs(
            new TrainingJobs.Options(trainingDir, 1, 0, STOP_TIMEOUT_SECONDS),
            new FineTuner(torch),
            VersionPublisher.into(manager),
            Clock.systemUTC());
  }

  /**
   * Loads the model (only it) and opens the trainer.
   *
   * @throws ServingException INVALID_ARGUMENT for a model the repository lacks, UNAVAILABLE with
   *     the loader's reason for one that did not load
   */
  static FineTuneRuntime open(FineTuneArgs args) throws IOException {
    Path repository = args.modelRepository();
    if (!Files.isDirectory(repository)) {
      throw ServingException.invalidArgument(
          "the model repository " + repository + " is not a folder");
    }
    ModelRepository.requireValidName(args.model());
    if (new ModelRepository(repository).find(args.model()).isEmpty()) {
      throw ServingException.invalidArgument(
          "cannot fine-tune: model '"
              + args.model()
              + "' is not in the model repository "
              + repository.toAbsolutePath().normalize());
    }
    FineTuneRuntime runtime =
        new FineTuneRuntime(args, Files.createTempDirectory("model-server-finetune-"));
    try {
      runtime.manager.start(List.of(args.model()));
      runtime.requireLoaded(args.model());
      runtime.jobs.start();
      return runtime;
    } catch (RuntimeException e) {
      runtime.close();
      throw e;
    }
  }

  private void requireLoaded(String model) {
    List<String> failures = new ArrayList<>();
    for (IndexEntry entry : manager.index(false)) {
      if (entry.name().equals(model) && entry.state() != ModelState.READY) {
        failures.add(
            (entry.version().isEmpty() ? "" : "version " + entry.version() + ": ")
                + entry.reason());
      }
    }
    if (registry.find(model).flatMap(m -> m.defaultVersion()).isEmpty()) {
      throw ServingException.unavailable(
          "model '" + model + "' did not load: " + String.join("; ", failures));
    }
  }

  JobPlanner planner() {
    return planner;
  }

  TrainingJobs jobs() {
    return jobs;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    jobs.close();
    manager.close();
    registry.close();
    engines.close();
    try {
      FileTrees.deleteRecursively(trainingDir);
    } catch (IOException e) {
      System.err.println("finetune: cannot delete the temporary folder " + trainingDir + ": " + e);
    }
    for (Path folder : absentHiddenFolders) {
      removeIfEmpty(folder);
    }
  }

  private static void removeIfEmpty(Path folder) {
    try (Stream<Path> children = Files.list(folder)) {
      if (children.findAny().isEmpty()) {
        Files.deleteIfExists(folder);
      }
    } catch (IOException e) {
      // Absent, or no longer empty: another writer uses it, or it holds a kept decision.
    }
  }
}
