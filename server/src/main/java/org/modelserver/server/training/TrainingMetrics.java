package org.modelserver.server.training;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.modelserver.runtime.train.job.JobState;
import org.modelserver.runtime.train.job.TrainingJobs;

/**
 * The trainer in {@code /metrics}: {@code training_jobs{state=...}}, {@code training_samples_total}
 * and {@code training_loss}, read from the jobs on each scrape.
 */
final class TrainingMetrics {
  TrainingMetrics(TrainingJobs jobs, MeterRegistry registry) {
    for (JobState state : JobState.values()) {
      Gauge.builder("training.jobs", jobs, all -> all.countByState().get(state))
          .description("Fine-tuning jobs known to this server, by state")
          .tag("state", state.configName())
          .register(registry);
    }
    FunctionCounter.builder("training.samples", jobs, TrainingJobs::samplesTrained)
        .description("Training samples processed by fine-tuning jobs since the server started")
        .register(registry);
    Gauge.builder("training.loss", jobs, TrainingJobs::currentLoss)
        .description(
            "Loss of the last training step of the most recently started running job; NaN when"
                + " none runs")
        .register(registry);
  }
}
