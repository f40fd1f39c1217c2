package org.modelserver.server.config;

import org.modelserver.runtime.device.DeviceInventory;
import org.modelserver.runtime.device.Gpu;
import org.modelserver.runtime.registry.Model;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.registry.ModelVersion;
import org.modelserver.runtime.repository.ModelRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Logs where the server listens and the state of every model and version. */
@Component
class StartupReport {
  private static final Logger log = LoggerFactory.getLogger(StartupReport.class);

  private final ModelRegistry registry;
  private final ModelRepository repository;
  private final DeviceInventory devices;

  StartupReport(ModelRegistry registry, ModelRepository repository, DeviceInventory devices) {
    this.registry = registry;
    this.repository = repository;
    this.devices = devices;
  }

  @EventListener
  void onStarted(WebServerInitializedEvent event) {
    if (devices.gpus().isEmpty()) {
      log.info("GPUs: none ({})", devices.unavailableReason());
    }
    for (Gpu gpu : devices.gpus()) {
      log.info(
          "GPU {}: {} ({}, compute capability {}, {} MiB)",
          gpu.device(),
          gpu.name(),
          gpu.uuid(),
          gpu.computeCapability(),
          gpu.totalMemoryBytes() >> 20);
    }
    log.info("Model repository {}", repository.root());
    for (Model model : registry.models()) {
      if (model.versions().isEmpty()) {
        log.warn("  model {}: UNAVAILABLE ({})", model.name(), model.problem());
      }
      for (ModelVersion version : model.versions().values()) {
        if (version.isReady()) {
          log.info(
              "  model {} version {}: READY{}",
              model.name(),
              version.version(),
              version.reason().isEmpty() ? "" : " (" + version.reason() + ")");
        } else {
          log.warn(
              "  model {} version {}: UNAVAILABLE ({})",
              model.name(),
              version.version(),
              version.reason());
        }
      }
    }
    log.info(
        "KServe v2 REST API listening on http://{}:{}/v2 ({} models, {})",
        event.getApplicationContext().getEnvironment().getProperty("server.address", "0.0.0.0"),
        event.getWebServer().getPort(),
        registry.models().size(),
        registry.allReady()
            ? "all ready; the server says ready once its warm-up is done"
            : "some unavailable: the server is not ready");
  }
}
