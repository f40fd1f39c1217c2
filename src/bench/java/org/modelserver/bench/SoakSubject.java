package org.modelserver.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.modelserver.runtime.config.ConfigCompleter;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.ModelConfigParser;
import org.modelserver.runtime.device.Device;
import org.modelserver.runtime.engine.Engine;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.Engines;
import org.modelserver.runtime.engine.LoadSpec;
import org.modelserver.runtime.inference.InferenceRequest;
import org.modelserver.runtime.inference.InferenceResponse;
import org.modelserver.runtime.inference.InferenceService;
import org.modelserver.runtime.registry.ControlMode;
import org.modelserver.runtime.registry.ModelLoader;
import org.modelserver.runtime.registry.ModelManager;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.repository.ModelRepository;
import org.modelserver.runtime.repository.ModelSource;
import org.modelserver.runtime.repository.UploadLimits;
import org.modelserver.runtime.tensor.Tensor;

/** What one cycle does: load the model, run it once, unload it. */
interface SoakSubject extends AutoCloseable {
  void load();

  Tensor infer(Tensor features);

  void unload();

  @Override
  void close();

  /** The management path: what a server in explicit mode does for load, infer and unload. */
  final class Managed implements SoakSubject {
    private final String name;
    private final ModelRegistry registry = new ModelRegistry();
    private final ModelManager manager;
    private final InferenceService inference = new InferenceService(registry);

    Managed(Path root, String name, Engines engines) {
      this.name = name;
      this.manager =
          new ModelManager(
              new ModelRepository(root),
              new ModelLoader(engines, new ConfigCompleter(4), 1),
              registry,
              ControlMode.EXPLICIT,
              new UploadLimits(64L << 20, 1000));
      manager.start(List.of());
    }

    @Override
    public void load() {
      manager.load(name, Optional.empty(), Map.of());
    }

    @Override
    public Tensor infer(Tensor features) {
      InferenceRequest request =
          new InferenceRequest(
              name,
              Optional.empty(),
              null,
              Map.of(LoadUnloadSoak.INPUT_NAME, features),
              List.of(LoadUnloadSoak.OUTPUT_NAME),
              Map.of());
      try {
        InferenceResponse response = inference.infer(request).get(30, TimeUnit.SECONDS);
        return response.outputs().get(LoadUnloadSoak.OUTPUT_NAME);
      } catch (ExecutionException e) {
        throw new IllegalStateException("inference failed: " + e.getCause(), e.getCause());
      } catch (TimeoutException e) {
        throw new IllegalStateException("inference did not answer within 30 s", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }

    @Override
    public void unload() {
      manager.unload(name);
      if (manager.drainingVersions() != 0) {
        throw new IllegalStateException(
            manager.drainingVersions() + " versions still draining after unload returned");
      }
    }

    @Override
    public void close() {
      manager.close();
      registry.close();
    }
  }

  /** The engine alone: the versions the config selects, loaded and closed with no manager. */
  final class EngineOnly implements SoakSubject {
    private final Engine engine;
    private final ModelConfig config;
    private final List<LoadSpec> specs = new ArrayList<>();
    private final List<EngineSession> sessions = new ArrayList<>();

    EngineOnly(Path root, String name, Engine engine) {
      this.engine = engine;
      ModelSource source = new ModelRepository(root).find(name).orElseThrow();
      this.config = new ModelConfigParser().read(name, source.dir());
      for (Long version : config.versionPolicy().select(source.versions().navigableKeySet())) {
        Path dir = source.versions().get(version);
        Path file = dir.resolve(Files.exists(dir.resolve("model.pt")) ? "model.pt" : "model.onnx");
        specs.add(new LoadSpec(name, version, file, config, Device.CPU, 1));
      }
    }

    @Override
    public void load() {
      specs.forEach(spec -> sessions.add(engine.load(spec)));
    }

    @Override
    public Tensor infer(Tensor features) {
      // The newest version, as the manager's default version.
      return sessions
          .get(sessions.size() - 1)
          .execute(Map.of(LoadUnloadSoak.INPUT_NAME, features), Set.of(LoadUnloadSoak.OUTPUT_NAME))
          .get(LoadUnloadSoak.OUTPUT_NAME);
    }

    @Override
    public void unload() {
      sessions.forEach(EngineSession::close);
      sessions.clear();
    }

    @Override
    public void close() {
      unload();
    }
  }
}
