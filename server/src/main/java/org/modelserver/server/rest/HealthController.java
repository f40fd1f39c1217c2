package org.modelserver.server.rest;

import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.modelserver.server.ServerIdentity;
import org.modelserver.server.ServerReadiness;
import org.modelserver.server.security.ManagementAccess;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Server liveness, readiness and metadata. As the protocol says, 200 means true and a 4xx (400, as
 * Triton answers) means false.
 */
@RestController
class HealthController {

  private final ServerReadiness readiness;
  private final String version;
  private final ManagementAccess access;

  HealthController(
      ServerReadiness readiness,
      @Value("${modelserver.build-version:dev}") String version,
      ManagementAccess access) {
    this.readiness = readiness;
    this.version = version;
    this.access = access;
  }

  @GetMapping("/v2/health/live")
  Map<String, Object> live() {
    return Map.of("live", true);
  }

  @GetMapping("/v2/health/ready")
  ResponseEntity<Map<String, Object>> ready(HttpServletRequest http) {
    List<String> reasons = readiness.notReadyReasons();
    if (reasons.isEmpty()) {
      return ResponseEntity.ok(Map.of("ready", true));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ready", false);
    // Readiness is open to probes; model names and failure reasons are for callers who may infer.
    body.put(
        "error",
        access.mayInfer(http)
            ? String.join("; ", reasons)
            : "the server is not ready (the reasons need the inference token)");
    return ResponseEntity.status(HttpStatus.BAD_REQUEST).body(body);
  }

  @GetMapping("/v2")
  Map<String, Object> metadata() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", ServerIdentity.NAME);
    body.put("version", version);
    body.put("extensions", ServerIdentity.EXTENSIONS);
    return body;
  }
}
