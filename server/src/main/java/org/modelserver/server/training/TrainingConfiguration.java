package org.modelserver.server.training;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.MultipartConfigElement;
import java.time.Clock;
import org.modelserver.runtime.config.Platforms;
import org.modelserver.runtime.device.DeviceInventory;
import org.modelserver.runtime.engine.Engines;
import org.modelserver.runtime.engine.torch.TorchEngine;
import org.modelserver.runtime.registry.ModelManager;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.repository.ModelRepository;
import org.modelserver.runtime.train.job.JobPlanner;
import org.modelserver.runtime.train.job.TrainingDevices;
import org.modelserver.runtime.train.job.TrainingJobs;
import org.modelserver.runtime.train.job.VersionPublisher;
import org.modelserver.runtime.train.torch.FineTuner;
import org.modelserver.server.config.ServerOptions;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the runtime's trainer: the fine-tuner on the serving libtorch, the planner, the jobs. */
@Configuration(proxyBeanMethods = false)
public class TrainingConfiguration {
  /** How long stopping the server waits for running jobs to notice and stop. */
  private static final long STOP_TIMEOUT_SECONDS = 60;

  @Bean
  FineTuner fineTuner(Engines engines) {
    return new FineTuner(torch(engines));
  }

  private static TorchEngine torch(Engines engines) {
    return engines
        .forPlatform(Platforms.TORCH)
        .filter(TorchEngine.class::isInstance)
        .map(TorchEngine.class::cast)
        .orElseThrow(() -> new IllegalStateException("no libtorch engine is configured"));
  }

  /** Jobs train where their {@code device} asks: a GPU libtorch can use, or the CPU. */
  @Bean
  JobPlanner jobPlanner(
      ModelRegistry registry,
      ModelRepository repository,
      TrainingOptions options,
      Engines engines,
      DeviceInventory devices) {
    TorchEngine torch = torch(engines);
    return new JobPlanner(
        registry,
        repository.root(),
        options.dataDir(),
        TrainingDevices.of(devices, torch::cudaUnavailableReason));
  }

  /** Reads the job records (failing those a stopped server left running), then takes jobs. */
  @Bean(destroyMethod = "close")
  TrainingJobs trainingJobs(
      TrainingOptions options,
      ServerOptions server,
      ModelRepository repository,
      FineTuner tuner,
      ModelManager manager) {
    TrainingJobs jobs =
        new TrainingJobs(
            new TrainingJobs.Options(
                options.trainingDir(repository.root()),
                options.maxJobs(),
                options.maxQueuedJobs(),
                STOP_TIMEOUT_SECONDS),
            tuner,
            VersionPublisher.into(manager),
            Clock.systemUTC());
    jobs.start();
    return jobs;
  }

  @Bean
  TrainingMetrics trainingMetrics(TrainingJobs jobs, PrometheusMeterRegistry registry) {
    return new TrainingMetrics(jobs, registry);
  }

  /**
   * Multipart requests (a fine-tuning dataset sent as a file) may be as large as any request body
   * ({@code max-request-size}), instead of Spring's 1 MB per file.
   */
  @Bean
  MultipartConfigElement multipartConfigElement(ServerOptions server) {
    long limit = server.maxRequestSize().toBytes();
    return new MultipartConfigElement("", limit, limit, 1024 * 1024);
  }
}
