package org.modelserver.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.modelserver.runtime.registry.Model;
import org.modelserver.runtime.registry.ModelRegistry;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Whether the server is ready, the same answer for {@code /v2/health/ready}, gRPC {@code
 * ServerReady} and {@code grpc.health.v1}: every model has a version serving (models an operator
 * unloaded do not count), the gRPC API accepts connections, so that a load balancer never sends
 * gRPC traffic to a replica that says it is ready before its gRPC port is open, and the server
 * warm-up ({@code warmup.ServerWarmup}) is done.
 */
@Component
public class ServerReadiness {
  private final ModelRegistry registry;
  private final AtomicBoolean grpcListening = new AtomicBoolean();
  private final AtomicBoolean shuttingDown = new AtomicBoolean();
  private final AtomicBoolean warmingUp = new AtomicBoolean();
  private final List<Runnable> shutdownListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  public ServerReadiness(ModelRegistry registry) {
    this.registry = registry;
  }

  /** Called by the gRPC server once it accepts connections, and again when it stops. */
  public void grpcListening(boolean listening) {
    grpcListening.set(listening);
  }

  /**
   * On shutdown (SIGTERM) the server says not ready at once, before the web server drains what it
   * admitted (graceful shutdown) and the gRPC server stops, so load balancers stop sending traffic
   * while the last requests finish.
   */
  @EventListener(ContextClosedEvent.class)
  public void shuttingDown() {
    shuttingDown.set(true);
    shutdownListeners.forEach(Runnable::run);
  }

  /**
   * Runs {@code listener} when the server starts to shut down, and when it finishes warming up: the
   * changes of readiness that no model change announces.
   */
  public void onShutdown(Runnable listener) {
    shutdownListeners.add(listener);
  }

  /** Set by the server warm-up: while true the server is live but not ready. */
  public void warmingUp(boolean value) {
    boolean was = warmingUp.getAndSet(value);
    if (was && !value) {
      shutdownListeners.forEach(Runnable::run);
    }
  }

  public boolean isShuttingDown() {
    return shuttingDown.get();
  }

  /** Why the server is not ready; empty when it is. */
  public List<String> notReadyReasons() {
    List<String> reasons = new ArrayList<>();
    if (shuttingDown.get()) {
      reasons.add("the server is shutting down");
    }
    if (warmingUp.get()) {
      reasons.add("the server is warming up (--warmup-seconds)");
    }
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
