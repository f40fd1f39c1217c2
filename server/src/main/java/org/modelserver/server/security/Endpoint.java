package org.modelserver.server.security;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which access rules an endpoint falls under. The one place that sorts REST paths and gRPC methods
 * into management, inference and open; {@link ManagementAccess} says who may call each.
 */
public enum Endpoint {
  /**
   * Health, the Prometheus scrape, and the static files of the console and Swagger UI (which call
   * the other endpoints under their own rules): served to everyone.
   */
  OPEN,
  /** Metadata, configuration, statistics and inference: the inference token when configured. */
  INFERENCE,
  /**
   * The repository API, default-version pins, traffic splits, rollouts, shadow traffic,
   * fine-tuning, training: the admin token.
   */
  MANAGEMENT;

  private static final String INFERENCE_SERVICE = "inference.GRPCInferenceService";
  private static final Set<String> OPEN_RPCS = Set.of("ServerLive", "ServerReady", "ModelReady");

  /**
   * The rules for a REST path. Pass a decoded path without path parameters: the container's
   * normalised one, or the raw URI decoded segment by segment (see {@link AccessFilter}). Empty
   * segments are skipped and keywords match in any case, so no spelling of a guarded path is milder
   * than the plain one.
   */
  public static Endpoint ofRestPath(String path) {
    List<String> segments = segments(path);
    if (segments.isEmpty() || !is(segments, 0, "v2")) {
      // Outside the API: /metrics, the console's static files (/, /console/**, /webjars/**,
      // /swagger-ui/**, /openapi.yaml), and 404 for anything else.
      return OPEN;
    }
    int count = segments.size();
    if (is(segments, 1, "repository") || is(segments, 1, "training")) {
      return MANAGEMENT;
    }
    if (count == 3 && is(segments, 1, "health")) {
      return is(segments, 2, "live") || is(segments, 2, "ready") ? OPEN : INFERENCE;
    }
    // /v2/models/{m}/{action} and /v2/models/{m}/versions/{v}/{action}
    boolean modelAction = count == 4 && is(segments, 1, "models");
    boolean versionAction = count == 6 && is(segments, 1, "models") && is(segments, 3, "versions");
    if (modelAction || versionAction) {
      int action = count - 1;
      if (is(segments, action, "default")
          || is(segments, action, "traffic")
          || is(segments, action, "rollout")
          || is(segments, action, "shadow")
          || is(segments, action, "finetune")) {
        return MANAGEMENT;
      }
      if (is(segments, action, "ready")) {
        return OPEN;
      }
    }
    return INFERENCE;
  }

  /**
   * The rules for a gRPC method by its full name ({@code service/method}). In {@code
   * inference.GRPCInferenceService} the {@code Repository*} methods are management, the liveness
   * and readiness checks open, and the rest inference; other services (grpc.health.v1, reflection)
   * are open.
   */
  public static Endpoint ofGrpcMethod(String fullMethodName) {
    int slash = fullMethodName.lastIndexOf('/');
    if (slash < 0 || !fullMethodName.substring(0, slash).equals(INFERENCE_SERVICE)) {
      return OPEN;
    }
    String method = fullMethodName.substring(slash + 1);
    if (method.startsWith("Repository")) {
      return MANAGEMENT;
    }
    return OPEN_RPCS.contains(method) ? OPEN : INFERENCE;
  }

  private static List<String> segments(String path) {
    List<String> segments = new ArrayList<>();
    for (String segment : path.split("/")) {
      if (!segment.isEmpty()) {
        segments.add(segment);
      }
    }
    return segments;
  }

  private static boolean is(List<String> segments, int index, String keyword) {
    return index < segments.size() && segments.get(index).equalsIgnoreCase(keyword);
  }
}
