package org.modelserver.server.rest;

import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.registry.IndexEntry;
import org.modelserver.runtime.registry.ModelRegistry;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Triton's model repository extension, read side: {@code POST /v2/repository/index}. Guarded by the
 * management access rules (admin token, or loopback only).
 */
@RestController
class RepositoryController {
  private final ModelRegistry registry;
  private final RequestBodies bodies;
  private final JsonMapper json = JsonMapper.builder().build();

  RepositoryController(ModelRegistry registry, RequestBodies bodies) {
    this.registry = registry;
    this.bodies = bodies;
  }

  /** The body is optional JSON ({@code {"ready": true}}), whatever the declared content type. */
  @PostMapping("/v2/repository/index")
  List<Map<String, Object>> index(HttpServletRequest http) {
    byte[] body = bodies.read(http);
    boolean readyOnly = false;
    if (body.length > 0) {
      JsonNode root;
      try {
        root = json.readTree(body);
      } catch (JacksonException e) {
        throw ServingException.invalidArgument("malformed JSON: " + e.getOriginalMessage());
      }
      if (root == null || !root.isObject()) {
        throw ServingException.invalidArgument(
            "the repository index request must be a JSON object such as {\"ready\": true}");
      }
      for (String key : root.propertyNames()) {
        if (!key.equals("ready")) {
          throw ServingException.invalidArgument(
              "unknown field '" + key + "' in repository index request; expected ready");
        }
      }
      JsonNode ready = root.get("ready");
      if (ready != null && !ready.isBoolean()) {
        throw ServingException.invalidArgument("'ready' must be true or false, got " + ready);
      }
      readyOnly = ready != null && ready.booleanValue();
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
