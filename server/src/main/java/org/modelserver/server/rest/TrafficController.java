package org.modelserver.server.rest;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.json.StrictJson;
import org.modelserver.runtime.registry.Model;
import org.modelserver.runtime.registry.ModelManager;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.registry.TrafficSplit;
import org.modelserver.server.Versions;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Traffic split (canary): the share of requests without a version each version answers. Management
 * endpoints (admin token, or loopback only), like the default-version pin.
 */
@RestController
class TrafficController {
  private static final String EXAMPLE = "{\"1\": 90, \"2\": 10}";
  private static final String STICKY = "sticky_header";

  private final ModelManager manager;
  private final ModelRegistry registry;

  TrafficController(ModelManager manager, ModelRegistry registry) {
    this.manager = manager;
    this.registry = registry;
  }

  @GetMapping("/v2/models/{model}/traffic")
  Map<String, Object> get(@PathVariable String model) {
    return describe(model);
  }

  /** Sets the split: version number to whole percentage, summing to 100. */
  @PutMapping("/v2/models/{model}/traffic")
  Map<String, Object> put(@PathVariable String model, @RequestBody(required = false) byte[] body) {
    JsonNode node =
        StrictJson.settingsObject(body == null ? new byte[0] : body, "the traffic split", EXAMPLE);
    JsonNode sticky = node.get(STICKY);
    if (sticky != null && !sticky.isString()) {
      throw ServingException.invalidArgument(
          "traffic split '"
              + STICKY
              + "' must be a header name as a string, for example \"x-user-id\"; got "
              + sticky);
    }
    TrafficSplit split =
        TrafficSplit.of(shares(node))
            .withStickyHeader(Optional.ofNullable(sticky).map(JsonNode::asString));
    manager.split(model, split);
    return describe(model);
  }

  /** Clears the split: requests without a version follow the default version again. */
  @DeleteMapping("/v2/models/{model}/traffic")
  Map<String, Object> clear(@PathVariable String model) {
    manager.split(model, TrafficSplit.NONE);
    return describe(model);
  }

  private static Map<Long, Integer> shares(JsonNode node) {
    Map<Long, Integer> shares = new HashMap<>();
    for (Map.Entry<String, JsonNode> share : node.properties()) {
      if (share.getKey().equals(STICKY)) {
        continue;
      }
      long version =
          Versions.parse(share.getKey())
              .orElseThrow(
                  () ->
                      ServingException.invalidArgument(
                          "traffic split keys must be version numbers (or '"
                              + STICKY
                              + "'), for example "
                              + EXAMPLE));
      JsonNode percent = share.getValue();
      if (!percent.isIntegralNumber() || !percent.canConvertToInt()) {
        throw ServingException.invalidArgument(
            "traffic split share of version "
                + version
                + " must be a whole percentage from 1 to 100, got "
                + percent
                + "; for example "
                + EXAMPLE);
      }
      shares.put(version, percent.intValue());
    }
    return shares;
  }

  private Map<String, Object> describe(String name) {
    Model model = registry.requireLoaded(name);
    Map<String, Object> split = new LinkedHashMap<>();
    model.split().shares().forEach((version, share) -> split.put(Long.toString(version), share));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", name);
    body.put("split", split);
    model.split().stickyHeader().ifPresent(header -> body.put(STICKY, header));
    return body;
  }
}
