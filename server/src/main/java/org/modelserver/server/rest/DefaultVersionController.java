package org.modelserver.server.rest;

import java.util.LinkedHashMap;
import java.util.Map;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.registry.Model;
import org.modelserver.runtime.registry.ModelManager;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.registry.ModelVersion;
import org.modelserver.server.Versions;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Pin and roll back: which version serves requests that name none. Management endpoints (admin
 * token, or loopback only).
 */
@RestController
class DefaultVersionController {
  private final ModelManager manager;
  private final ModelRegistry registry;

  DefaultVersionController(ModelManager manager, ModelRegistry registry) {
    this.manager = manager;
    this.registry = registry;
  }

  @GetMapping("/v2/models/{model}/default")
  Map<String, Object> get(@PathVariable String model) {
    return describe(model);
  }

  /** Pins {@code version} as the default while it is READY, whatever newer versions load. */
  @PutMapping("/v2/models/{model}/versions/{version}/default")
  Map<String, Object> pin(@PathVariable String model, @PathVariable String version) {
    long number =
        Versions.parse(version)
            .orElseThrow(() -> ServingException.invalidArgument("a version is required"));
    manager.pin(model, number);
    return describe(model);
  }

  /** Removes the pin: the default is the newest READY version again. */
  @DeleteMapping("/v2/models/{model}/default")
  Map<String, Object> unpin(@PathVariable String model) {
    manager.unpin(model);
    return describe(model);
  }

  private Map<String, Object> describe(String name) {
    Model model = registry.requireLoaded(name);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", name);
    model
        .defaultVersion()
        .map(ModelVersion::version)
        .ifPresent(v -> body.put("version", Long.toString(v)));
    body.put("pinned", model.pinned().isPresent());
    model.pinned().ifPresent(v -> body.put("pinned_version", Long.toString(v)));
    body.put("held", model.held().stream().sorted().map(Object::toString).toList());
    return body;
  }
}
