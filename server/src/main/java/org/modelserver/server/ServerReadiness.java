package org.modelserver.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.modelserver.runtime.registry.Model;
import org.modelserver.runtime.registry.ModelRegistry;
import org.springframework.stereotype.Component;

/**
 * Whether the server is ready, the same answer for {@code /v2/health/ready}, gRPC {@code
 * ServerReady} and {@code grpc.health.v1}: every model has a version serving (models an operator
 * unloaded do not count) and the gRPC API accepts connections, so that a load balancer never sends
 * gRPC traffic to a replica that says it is ready before its gRPC port is open.
 */
@Component
public class ServerReadiness {
  private final ModelRegistry registry;
  private final AtomicBoolean grpcListening = new AtomicBoolean();

  public ServerReadiness(ModelRegistry registry) {
    this.registry = registry;
  }

  /** Called by the gRPC server once it accepts connections, and again when it stops. */
  public void grpcListening(boolean listening) {
    grpcListening.set(listening);
  }

  /** Why the server is not ready; empty when it is. */
  public List<String> notReadyReasons() {
    List<String> reasons = new ArrayList<>();
    if (!grpcListening.get()) {
      reasons.add("the gRPC API does not accept connections yet");
    }
    List<Model> unready = registry.notReady();
    if (!unready.isEmpty()) {
      reasons.add(
          "models not ready: "
              + String.join(
                  ", ",
                  unready.stream()
                      .map(model -> model.name() + " (" + model.unavailableReason() + ")")
                      .toList()));
    }
    return reasons;
  }

  public boolean isReady() {
    return notReadyReasons().isEmpty();
  }
}
