package org.modelserver.runtime.train.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.train.torch.FineTuneResult;
import org.modelserver.runtime.train.torch.FineTuner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one job on a training thread: fine-tunes into the job's private folder, writes {@code
 * training.json} beside the model, publishes the folder's files as a new version, and deletes the
 * folder whatever happened. A job that fails or is cancelled publishes nothing.
 */
final class JobRunner {
  private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

  private final FineTuner tuner;
  private final VersionPublisher publisher;
  private final JobStore store;
  private final Clock clock;

  JobRunner(FineTuner tuner, VersionPublisher publisher, JobStore store, Clock clock) {
    this.tuner = tuner;
    this.publisher = publisher;
    this.store = store;
    this.clock = clock;
  }

  void run(TrainingJob job) {
    // The default ending holds if an Error escapes: the job must not stay "running".
    Runnable ending =
        () -> job.fail("internal error: the training thread stopped unexpectedly; see the log");
    try {
      ending = train(job);
    } finally {
      // The files go before the final state is told, so a finished job has none left.
      store.deleteWork(job.id());
      ending.run();
    }
  }

  /** Trains and publishes; returns how the job ends. */
  private Runnable train(TrainingJob job) {
    try {
      if (!job.start()) {
        return () -> {};
      }
      JobPlan plan = job.plan().orElseThrow();
      Path out = store.workDir(job.id()).resolve("out");
      Files.createDirectories(out);
      Path modelFile = out.resolve(plan.modelFileName());
      FineTuneResult result =
          tuner.run(
              plan.baseModelFile(),
              plan.config(),
              plan.spec(),
              plan.data(),
              modelFile,
              job,
              job::shouldStop);
      Map<String, Path> files = new LinkedHashMap<>();
      files.put(plan.modelFileName(), modelFile);
      plan.baseConfigFile().ifPresent(file -> files.put(file.getFileName().toString(), file));
      Path manifest = out.resolve(TrainingManifest.FILE_NAME);
      TrainingManifest.write(manifest, job.snapshot(), result, clock.instant());
      files.put(TrainingManifest.FILE_NAME, manifest);
      if (!job.beginPublishing()) {
        return job::stopped;
      }
      boolean promote =
          switch (plan.spec().promote()) {
            case ALWAYS -> true;
            case IF_BETTER -> result.improvedOnBase();
            case NEVER -> false;
          };
      long version = publisher.publish(plan.model(), files, promote);
      log.info(
          "Training job {} published {} version {}{}",
          job.id(),
          plan.model(),
          version,
          promote ? " as the default" : "");
      return () -> job.succeed(version, promote, result);
    } catch (CancellationException e) {
      return job::stopped;
    } catch (ServingException e) {
      return () -> job.fail(e.getMessage());
    } catch (IOException | RuntimeException e) {
      log.error("Training job {} failed", job.id(), e);
      return () -> job.fail("internal error: " + e.getMessage() + " (details in the server log)");
    }
  }
}
