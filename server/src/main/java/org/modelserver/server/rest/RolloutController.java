package org.modelserver.server.rest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.modelserver.runtime.json.StrictJson;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.rollout.Rollout;
import org.modelserver.runtime.rollout.RolloutPolicy;
import org.modelserver.runtime.rollout.Rollouts;
import org.modelserver.runtime.rollout.WindowFigures;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Rollouts: a canary moved through traffic-split steps and promoted or rolled back by its policy.
 * Management endpoints (admin token, or loopback only), like the traffic split.
 */
@RestController
class RolloutController {
  private final Rollouts rollouts;
  private final ModelRegistry registry;

  RolloutController(Rollouts rollouts, ModelRegistry registry) {
    this.rollouts = rollouts;
    this.registry = registry;
  }

  /** Starts a rollout, replacing the model's previous one. */
  @PutMapping("/v2/models/{model}/rollout")
  Map<String, Object> put(@PathVariable String model, @RequestBody(required = false) byte[] body) {
    RolloutPolicy policy =
        RolloutPolicy.fromJson(
            StrictJson.settingsObject(
                body == null ? new byte[0] : body, "the rollout policy", RolloutPolicy.EXAMPLE));
    return describe(rollouts.begin(model, policy));
  }

  /** The rollout, running or ended; phase NONE when the loaded model has none. */
  @GetMapping("/v2/models/{model}/rollout")
  Map<String, Object> get(@PathVariable String model) {
    registry.requireLoaded(model);
    return rollouts
        .status(model)
        .map(RolloutController::describe)
        .orElseGet(
            () -> {
              Map<String, Object> none = new LinkedHashMap<>();
              none.put("name", model);
              none.put("phase", "NONE");
              return none;
            });
  }

  /** Stops and forgets the rollout; the split stays as it is. */
  @DeleteMapping("/v2/models/{model}/rollout")
  Map<String, Object> delete(@PathVariable String model) {
    return describe(rollouts.stop(model));
  }

  private static Map<String, Object> describe(Rollout.Status status) {
    RolloutPolicy policy = status.policy();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", status.model());
    body.put("baseline", Long.toString(policy.baseline().orElseThrow()));
    body.put("canary", Long.toString(policy.canary()));
    body.put("phase", status.phase().name());
    body.put("step", status.step());
    body.put("canary_percent", status.canaryPercent());
    body.put("reason", status.reason());
    Map<String, Object> window = new LinkedHashMap<>();
    window.put("seconds", policy.windowSeconds());
    window.put("baseline", figures(status.baseline()));
    window.put("canary", figures(status.canary()));
    body.put("window", window);
    body.put("policy", policy.toJson());
    List<Map<String, Object>> transitions = new ArrayList<>();
    for (Rollout.Transition transition : status.transitions()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("time", transition.at().toString());
      entry.put("phase", transition.phase().name());
      entry.put("canary_percent", transition.canaryPercent());
      entry.put("reason", transition.reason());
      transitions.add(entry);
    }
    body.put("transitions", transitions);
    return body;
  }

  private static Map<String, Object> figures(WindowFigures figures) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("requests", figures.requests());
    body.put("failures", figures.failures());
    body.put("error_percent", figures.errorPercent());
    body.put("p99_ms", figures.p99Millis());
    return body;
  }
}
