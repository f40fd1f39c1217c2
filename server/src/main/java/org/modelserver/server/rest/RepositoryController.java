package org.modelserver.server.rest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.registry.IndexEntry;
import org.modelserver.runtime.registry.ModelRegistry;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Triton's model repository extension, read side: {@code POST /v2/repository/index}. Guarded by the
 * management access rules (admin token, or loopback only).
 */
@RestController
class RepositoryController {
  private final ModelRegistry registry;

  RepositoryController(ModelRegistry registry) {
    this.registry = registry;
  }

  @PostMapping("/v2/repository/index")
  List<Map<String, Object>> index(@RequestBody(required = false) Map<String, Object> body) {
    boolean readyOnly = false;
    if (body != null) {
      for (String key : body.keySet()) {
        if (!key.equals("ready")) {
          throw ServingException.invalidArgument(
              "unknown field '" + key + "' in repository index request; expected ready");
        }
      }
      Object ready = body.get("ready");
      if (ready != null && !(ready instanceof Boolean)) {
        throw ServingException.invalidArgument("'ready' must be true or false, got " + ready);
      }
      readyOnly = Boolean.TRUE.equals(ready);
    }
    return registry.index(readyOnly).stream().map(RepositoryController::entry).toList();
  }

  private static Map<String, Object> entry(IndexEntry entry) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("name", entry.name());
    if (!entry.version().isEmpty()) {
      row.put("version", entry.version());
    }
    row.put("state", entry.state().name());
    row.put("reason", entry.reason());
    return row;
  }
}
