package org.modelserver.server.config;

import java.util.List;
import org.modelserver.runtime.engine.Engines;
import org.modelserver.runtime.engine.onnx.OnnxEngine;
import org.modelserver.runtime.engine.torch.TorchEngine;
import org.modelserver.runtime.inference.InferenceService;
import org.modelserver.runtime.registry.ModelLoader;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.repository.ConfigCompleter;
import org.modelserver.runtime.repository.ModelRepository;
import org.modelserver.runtime.repository.ModelSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the plain-Java runtime as Spring beans. */
@Configuration(proxyBeanMethods = false)
public class RuntimeConfiguration {

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

  @Bean
  ModelLoader modelLoader(Engines engines, ServerOptions options) {
    return new ModelLoader(
        engines, new ConfigCompleter(options.defaultMaxBatchSize()), options.intraOpThreads());
  }

  /** Loads every model of the repository before the server starts listening. */
  @Bean(destroyMethod = "close")
  ModelRegistry modelRegistry(ModelRepository repository, ModelLoader loader) {
    ModelRegistry registry = new ModelRegistry();
    for (ModelSource source : repository.scan()) {
      registry.put(loader.load(source));
    }
    return registry;
  }

  @Bean
  InferenceService inferenceService(ModelRegistry registry) {
    return new InferenceService(registry);
  }
}
