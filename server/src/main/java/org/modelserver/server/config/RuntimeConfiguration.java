package org.modelserver.server.config;

import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.modelserver.runtime.admission.Guards;
import org.modelserver.runtime.config.ConfigCompleter;
import org.modelserver.runtime.config.ModelConfigParser;
import org.modelserver.runtime.device.CudaInventory;
import org.modelserver.runtime.device.DeviceInventory;
import org.modelserver.runtime.engine.Engines;
import org.modelserver.runtime.engine.onnx.OnnxEngine;
import org.modelserver.runtime.engine.torch.TorchEngine;
import org.modelserver.runtime.inference.InferenceService;
import org.modelserver.runtime.inference.OutcomeListener;
import org.modelserver.runtime.inference.Shadowing;
import org.modelserver.runtime.registry.InstancePlacer;
import org.modelserver.runtime.registry.ModelLoader;
import org.modelserver.runtime.registry.ModelManager;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.repository.ModelRepository;
import org.modelserver.runtime.repository.UploadLimits;
import org.modelserver.runtime.rollout.Rollouts;
import org.modelserver.server.pbtxt.PbtxtConfigReader;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the plain-Java runtime as Spring beans. */
@Configuration(proxyBeanMethods = false)
public class RuntimeConfiguration {
  private static final Duration ROLLOUT_TICK = Duration.ofMillis(500);

  @Bean(destroyMethod = "close")
  Engines engines(ServerOptions options) {
    TorchEngine.Options torch =
        new TorchEngine.Options(
            options.torchCacheDir(), options.torchThreads(), options.torchInteropThreads());
    return new Engines(List.of(new OnnxEngine(), new TorchEngine(torch)));
  }

  @Bean
  ModelRepository modelRepository(ServerOptions options) {
    return new ModelRepository(options.modelRepository());
  }

  /** The CUDA devices of this host, asked once at start; empty (with the reason) without one. */
  @Bean
  DeviceInventory deviceInventory() {
    return CudaInventory.discover();
  }

  /** Resilience4j's registries as plain objects; the metrics binder listens to them. */
  @Bean
  CircuitBreakerRegistry circuitBreakerRegistry() {
    return CircuitBreakerRegistry.ofDefaults();
  }

  @Bean
  BulkheadRegistry bulkheadRegistry() {
    return BulkheadRegistry.ofDefaults();
  }

  /** Each model version's protection, and the server-wide byte budget. */
  @Bean
  Guards guards(LimitOptions limits, CircuitBreakerRegistry breakers, BulkheadRegistry bulkheads) {
    return new Guards(
        limits.model().protection(), limits.maxInflightBytes().toBytes(), breakers, bulkheads);
  }

  @Bean
  ModelLoader modelLoader(
      Engines engines,
      ServerOptions options,
      LimitOptions limits,
      DeviceInventory devices,
      GpuOptions gpu,
      Guards guards) {
    return new ModelLoader(
        new ModelConfigParser(new PbtxtConfigReader()),
        engines,
        new ConfigCompleter(options.defaultMaxBatchSize(), limits.defaultMaxQueueSize()),
        options.intraOpThreads(),
        new InstancePlacer(devices, gpu.fallbackPolicy(), gpu.memoryReserve().toBytes()),
        guards);
  }

  @Bean(destroyMethod = "close")
  ModelRegistry modelRegistry() {
    return new ModelRegistry();
  }

  /**
   * Loads the models the control mode asks for before the server starts listening, then polls the
   * repository in poll mode.
   */
  @Bean(destroyMethod = "close")
  ModelManager modelManager(
      ModelRepository repository,
      ModelLoader loader,
      ModelRegistry registry,
      ServerOptions options) {
    ModelManager manager =
        new ModelManager(
            repository,
            loader,
            registry,
            options.modelControlMode(),
            new UploadLimits(options.maxUploadSize().toBytes(), 10_000));
    manager.start(options.loadModel());
    manager.startPolling(Duration.ofSeconds(options.repositoryPollSecs()));
    return manager;
  }

  /**
   * Rollout policies, judged twice a second; rollouts recorded in the repository resume once the
   * models are loaded.
   */
  @Bean(destroyMethod = "close")
  Rollouts rollouts(
      ModelManager manager,
      ModelRegistry registry,
      ServerOptions options,
      PrometheusMeterRegistry meters) {
    Rollouts rollouts =
        new Rollouts(manager, registry, options.modelRepository(), meters, Clock.systemUTC());
    rollouts.start(ROLLOUT_TICK);
    return rollouts;
  }

  /** Shadow traffic: its pool and what it found (the shadow API and /metrics read it). */
  @Bean(destroyMethod = "close")
  Shadowing shadowing(ModelRegistry registry, Guards guards) {
    return new Shadowing(registry, guards.serverBytes());
  }

  /**
   * Depends on the manager so that models are loaded before anything serves; every {@link
   * OutcomeListener} bean (the rollouts, the latency summaries) hears how requests end.
   */
  @Bean
  InferenceService inferenceService(
      ModelRegistry registry,
      ModelManager manager,
      Guards guards,
      Shadowing shadowing,
      List<OutcomeListener> outcomes) {
    OutcomeListener all = OutcomeListener.NONE;
    for (OutcomeListener listener : outcomes) {
      all = OutcomeListener.both(all, listener);
    }
    return new InferenceService(registry, guards, all, shadowing);
  }
}
