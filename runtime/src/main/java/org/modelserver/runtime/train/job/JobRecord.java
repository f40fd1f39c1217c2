package org.modelserver.runtime.train.job;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.modelserver.runtime.train.spec.DatasetFormat;
import tools.jackson.databind.JsonNode;

/**
 * A snapshot of a fine-tuning job: what it was asked to do, where it is, and how it ended. What the
 * jobs API shows and what is kept on disk ({@link JobJson} writes both). Immutable.
 *
 * @param cancelRequested a client asked to cancel the running job; it stops at its next step
 * @param started when it left the queue
 * @param finished when it reached a final state
 */
public record JobRecord(
    JobDescription description,
    JobState state,
    boolean cancelRequested,
    Optional<Instant> started,
    Optional<Instant> finished,
    Progress progress,
    Outcome outcome) {

  public String id() {
    return description.id();
  }

  /** This job failed as interrupted at {@code at}: the server stopped while it was unfinished. */
  JobRecord interrupted(Instant at) {
    return new JobRecord(
        description,
        JobState.FAILED,
        cancelRequested,
        started,
        Optional.of(at),
        progress,
        new Outcome(
            Optional.empty(),
            false,
            Optional.of(
                TrainingJob.INTERRUPTED
                    + ": the server stopped while the job was "
                    + state.configName()),
            outcome.baseValidationLoss(),
            outcome.trainedParameters(),
            outcome.frozenParameters(),
            outcome.stoppedEarly()));
  }

  /**
   * This job succeeded: found at start to have published {@code version} before the server stopped
   * under it (the version is complete in the repository, so only the record was behind).
   */
  JobRecord publishedBeforeStop(Instant at, long version, boolean promoted) {
    return new JobRecord(
        description,
        JobState.SUCCEEDED,
        cancelRequested,
        started,
        Optional.of(at),
        progress,
        new Outcome(
            Optional.of(version),
            promoted,
            Optional.empty(),
            outcome.baseValidationLoss(),
            outcome.trainedParameters(),
            outcome.frozenParameters(),
            outcome.stoppedEarly()));
  }

  /**
   * What a job was asked to do; never changes.
   *
   * @param id random, URL-safe
   * @param model the model tuned, and the model the new version is added to
   * @param baseVersion the version whose weights training starts from
   * @param settings the job's settings with every default filled in (the dataset is described by
   *     {@code dataset}, not repeated here)
   */
  public record JobDescription(
      String id,
      String model,
      long baseVersion,
      Instant created,
      DatasetSummary dataset,
      JsonNode settings) {
    public JobDescription {
      settings = settings.deepCopy();
    }

    @Override
    public JsonNode settings() {
      return settings.deepCopy();
    }
  }

  /**
   * The data a job trains on.
   *
   * @param source {@code inline}, {@code path} (a file in the server's data folder) or {@code
   *     upload} (a multipart request's file)
   * @param name the path or the uploaded file's name; empty for inline data
   * @param sha256 of the dataset's bytes, lowercase hex
   */
  public record DatasetSummary(
      DatasetFormat format,
      String source,
      Optional<String> name,
      String sha256,
      long bytes,
      int samples) {}

  /**
   * How far training got.
   *
   * @param epoch the epoch being trained, or the last one trained (1-based; 0 before the first)
   * @param step the last step taken in that epoch (1-based)
   * @param trainLoss mean training loss of each finished epoch
   * @param validationLoss validation loss after each finished epoch; NaN without a split
   * @param currentLoss the last step's loss; NaN before the first
   * @param elapsed time spent running (0 while queued)
   */
  public record Progress(
      int epoch,
      int epochs,
      int step,
      List<Double> trainLoss,
      List<Double> validationLoss,
      double currentLoss,
      long samplesTrained,
      double samplesPerSecond,
      Duration elapsed) {
    public Progress {
      trainLoss = List.copyOf(trainLoss);
      validationLoss = List.copyOf(validationLoss);
    }
  }

  /**
   * How a job ended; empty fields until it has.
   *
   * @param outputVersion the version it published
   * @param promoted whether that version became the model's default
   * @param error why a failed job failed
   * @param baseValidationLoss the base version's loss on the validation samples; NaN without them
   */
  public record Outcome(
      Optional<Long> outputVersion,
      boolean promoted,
      Optional<String> error,
      double baseValidationLoss,
      List<String> trainedParameters,
      List<String> frozenParameters,
      boolean stoppedEarly) {
    public Outcome {
      trainedParameters = List.copyOf(trainedParameters);
      frozenParameters = List.copyOf(frozenParameters);
    }

    static Outcome none() {
      return new Outcome(
          Optional.empty(), false, Optional.empty(), Double.NaN, List.of(), List.of(), false);
    }
  }
}
