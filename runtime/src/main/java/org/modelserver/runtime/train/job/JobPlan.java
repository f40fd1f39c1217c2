package org.modelserver.runtime.train.job;

import java.nio.file.Path;
import java.util.Optional;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.train.data.TrainingData;
import org.modelserver.runtime.train.job.JobRecord.DatasetSummary;
import org.modelserver.runtime.train.spec.TrainingSpec;

/**
 * A fine-tuning job checked and ready to queue: the base version's files, its completed config, the
 * settings and the parsed data.
 *
 * @param baseModelFile the base version's TorchScript file
 * @param baseConfigFile the model folder's config file, copied into the new version
 */
public record JobPlan(
    String model,
    long baseVersion,
    ModelConfig config,
    Path baseModelFile,
    Optional<Path> baseConfigFile,
    TrainingSpec spec,
    TrainingData data,
    DatasetSummary dataset) {

  /** The model file's name in a version folder, which the new version keeps. */
  public String modelFileName() {
    return baseModelFile.getFileName().toString();
  }
}
