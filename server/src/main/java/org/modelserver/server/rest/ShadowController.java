package org.modelserver.server.rest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.inference.ShadowStats;
import org.modelserver.runtime.inference.Shadowing;
import org.modelserver.runtime.json.StrictJson;
import org.modelserver.runtime.registry.Model;
import org.modelserver.runtime.registry.ModelManager;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.registry.ShadowSetting;
import org.modelserver.server.Versions;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Shadow traffic: a share of the requests without a version is also run on a shadow version once
 * answered, and the outputs compared. Management endpoints (admin token, or loopback only), like
 * the traffic split.
 */
@RestController
class ShadowController {
  private static final String EXAMPLE = "{\"version\": 2, \"percent\": 10}";
  private static final Set<String> FIELDS = Set.of("version", "percent");

  private final ModelManager manager;
  private final ModelRegistry registry;
  private final Shadowing shadowing;

  ShadowController(ModelManager manager, ModelRegistry registry, Shadowing shadowing) {
    this.manager = manager;
    this.registry = registry;
    this.shadowing = shadowing;
  }

  @GetMapping("/v2/models/{model}/shadow")
  Map<String, Object> get(@PathVariable String model) {
    return describe(model);
  }

  /** Sets the shadow version and the percentage of requests without a version it receives. */
  @PutMapping("/v2/models/{model}/shadow")
  Map<String, Object> put(@PathVariable String model, @RequestBody(required = false) byte[] body) {
    manager.shadow(model, setting(body == null ? new byte[0] : body));
    return describe(model);
  }

  /** Stops mirroring; what was found so far stays readable. */
  @DeleteMapping("/v2/models/{model}/shadow")
  Map<String, Object> clear(@PathVariable String model) {
    manager.shadow(model, ShadowSetting.NONE);
    return describe(model);
  }

  private static ShadowSetting setting(byte[] body) {
    JsonNode node = StrictJson.settingsObject(body, "the shadow setting", EXAMPLE);
    Set<String> unknown = new TreeSet<>(node.propertyNames());
    unknown.removeAll(FIELDS);
    if (!unknown.isEmpty()) {
      throw ServingException.invalidArgument(
          "unknown shadow setting field(s) "
              + unknown
              + "; expected 'version' and 'percent', for example "
              + EXAMPLE);
    }
    return ShadowSetting.of(version(node.get("version")), percent(node.get("percent")));
  }

  private static long version(JsonNode version) {
    if (version == null || version.isNull()) {
      throw ServingException.invalidArgument(
          "the shadow setting needs 'version', the version to mirror to, for example " + EXAMPLE);
    }
    if (version.isString()) {
      return Versions.parse(version.stringValue())
          .orElseThrow(
              () -> ServingException.invalidArgument("shadow 'version' must not be empty"));
    }
    if (!version.isIntegralNumber() || !version.canConvertToLong()) {
      throw ServingException.invalidArgument(
          "shadow 'version' must be a positive version number, got " + version);
    }
    return version.longValue();
  }

  private static int percent(JsonNode percent) {
    if (percent == null || percent.isNull()) {
      throw ServingException.invalidArgument(
          "the shadow setting needs 'percent', the whole percentage of requests without a version"
              + " to mirror (1 to 100), for example "
              + EXAMPLE);
    }
    if (!percent.isIntegralNumber() || !percent.canConvertToInt()) {
      throw ServingException.invalidArgument(
          "shadow 'percent' must be a whole percentage from 1 to 100, got " + percent);
    }
    return percent.intValue();
  }

  private Map<String, Object> describe(String name) {
    Model model = registry.requireLoaded(name);
    ShadowSetting setting = model.shadow();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", name);
    Map<String, Object> shadow = new LinkedHashMap<>();
    setting
        .version()
        .ifPresent(
            version -> {
              shadow.put("version", Long.toString(version));
              shadow.put("percent", setting.percent());
            });
    body.put("shadow", shadow);
    List<Map<String, Object>> agreement = new ArrayList<>();
    for (ShadowStats.PairReport pair : shadowing.stats().reports(name)) {
      // While a shadow is set, its figures; when none is, all the model's.
      if (setting.version().map(version -> version == pair.shadowVersion()).orElse(true)) {
        agreement.add(pair(pair));
      }
    }
    body.put("agreement", agreement);
    return body;
  }

  private static Map<String, Object> pair(ShadowStats.PairReport pair) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("version", Long.toString(pair.version()));
    json.put("shadow_version", Long.toString(pair.shadowVersion()));
    json.put("mirrored", pair.mirrored());
    json.put("dropped", pair.dropped());
    json.put("failed", pair.failed());
    List<Map<String, Object>> outputs = new ArrayList<>();
    for (ShadowStats.OutputReport output : pair.outputs()) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("name", output.name());
      one.put("compared", output.compared());
      one.put("shape_mismatches", output.shapeMismatches());
      one.put("max_abs_diff", orNull(output.maxAbsDiff()));
      one.put("mean_max_abs_diff", orNull(output.meanMaxAbsDiff()));
      one.put("rows", output.rows());
      one.put("argmax_agreeing_rows", output.agreeingRows());
      one.put("argmax_agreement", orNull(output.argmaxAgreement()));
      outputs.add(one);
    }
    json.put("outputs", outputs);
    return json;
  }

  /**
   * Absent before anything was compared; JSON has no infinity, so an infinite difference (NaN
   * against a number) is written as a string.
   */
  private static Object orNull(OptionalDouble value) {
    if (value.isEmpty()) {
      return null;
    }
    double number = value.getAsDouble();
    return Double.isInfinite(number) ? "Infinity" : number;
  }
}
