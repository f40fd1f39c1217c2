package org.modelserver.server.training;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The trainer's options, bound from {@code application.yaml} like every other option: {@code
 * --max-training-jobs=1}, {@code --max-queued-training-jobs=16}, {@code --training-dir=DIR} and
 * {@code --training-data-dir=DIR} (or {@code MAX_TRAINING_JOBS}, ...).
 *
 * @param maxJobs fine-tuning jobs that run at once; 0: this replica only serves, and the training
 *     endpoints answer 409
 * @param maxQueuedJobs jobs that may wait for a free slot; more get 503
 * @param dir job records and running jobs' files; blank: {@code <model-repository>/.training}
 * @param dataDir the folder {@code dataset.path} is resolved in
 */
@ConfigurationProperties("modelserver.training")
public record TrainingOptions(int maxJobs, int maxQueuedJobs, String dir, Path dataDir) {
  public TrainingOptions {
    if (maxJobs < 0) {
      throw new IllegalArgumentException(
          "max-training-jobs must be 0 (serve only) or more, got " + maxJobs);
    }
    if (maxQueuedJobs < 0) {
      throw new IllegalArgumentException(
          "max-queued-training-jobs must be 0 or more, got " + maxQueuedJobs);
    }
    if (dataDir == null) {
      dataDir = Path.of("training-data");
    }
  }

  /** The training folder: {@code dir}, or {@code .training} in the model repository. */
  Path trainingDir(Path modelRepository) {
    return dir == null || dir.isBlank() ? modelRepository.resolve(".training") : Path.of(dir);
  }
}
