package org.modelserver.server.grpc;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.runtime.inference.InferenceService;
import org.modelserver.runtime.registry.ModelManager;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.server.ServerReadiness;
import org.modelserver.server.security.ManagementAccess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The gRPC server (Netty): {@code inference.GRPCInferenceService}, the standard {@code
 * grpc.health.v1.Health} service (SERVING while the server is ready, as {@code /v2/health/ready}
 * says, updated on every model change) and server reflection. Started after the models are loaded
 * and stopped before they close, with the Spring context.
 */
@Component
public class GrpcServer implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);

  private final GrpcOptions options;
  private final InferenceService inference;
  private final ModelRegistry registry;
  private final String version;
  private final ManagementAccess access;
  private final ModelManager manager;
  private final ServerReadiness readiness;
  private final Object healthLock = new Object();
  private volatile HealthStatusManager health;
  private volatile Server server;
  private volatile Server managementServer;
  private boolean followingModels;

  GrpcServer(
      GrpcOptions options,
      InferenceService inference,
      ModelRegistry registry,
      @Value("${modelserver.build-version:dev}") String version,
      ManagementAccess access,
      ModelManager manager,
      ServerReadiness readiness) {
    this.readiness = readiness;
    this.access = access;
    this.manager = manager;
    this.options = options;
    this.inference = inference;
    this.registry = registry;
    this.version = version;
  }

  @Override
  public synchronized void start() {
    if (server != null) {
      return;
    }
    GrpcViews views = new GrpcViews(registry, readiness);
    health = new HealthStatusManager();
    List<ServerServiceDefinition> services =
        List.of(
            MalformedMessages.guard(
                ServerInterceptors.intercept(
                    new InferenceGrpcService(
                        inference, views, version, manager, options.streamWindow()),
                    new AccessInterceptor(access, this::isManagementListener))),
            health.getHealthService().bindService(),
            ProtoReflectionServiceV1.newInstance().bindService(),
            reflectionV1Alpha().bindService());
    Server built =
        start(new InetSocketAddress(options.address(), options.port()), services, "--grpc-port");
    if (options.managementPort() >= 0) {
      try {
        managementServer =
            start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), options.managementPort()),
                services,
                "--grpc-management-port");
      } catch (RuntimeException e) {
        built.shutdownNow();
        throw e;
      }
    }
    server = built;
    readiness.grpcListening(true);
    ServingStatus status = refreshHealth();
    if (!followingModels) {
      registry.onChange(this::refreshHealth);
      readiness.onShutdown(this::refreshHealth);
      followingModels = true;
    }
    log.info(
        "KServe v2 gRPC API listening on {}:{} (health: {}){}",
        options.address(),
        built.getPort(),
        status,
        managementServer != null
            ? "; management without a token on 127.0.0.1:" + managementServer.getPort()
            : "");
  }

  /** {@code grpc.health.v1} follows the server's readiness: called on every registry change. */
  private synchronized ServingStatus refreshHealth() {
    ServingStatus status = readiness.isReady() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    if (server != null) {
      health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
      health.setStatus(GRPCInferenceServiceGrpc.SERVICE_NAME, status);
    }
    return status;
  }

  /**
   * Reflection under its older name {@code grpc.reflection.v1alpha}, which many tools still ask for
   * (grpc-java deprecates the class in favour of v1, which is served too).
   */
  @SuppressWarnings("deprecation")
  private static io.grpc.BindableService reflectionV1Alpha() {
    return io.grpc.protobuf.services.ProtoReflectionService.newInstance();
  }

  @Override
  public synchronized void stop() {
    Server running = server;
    if (running == null) {
      return;
    }
    readiness.grpcListening(false);
    health.enterTerminalState();
    running.shutdown();
    Server management = managementServer;
    if (management != null) {
      management.shutdown();
    }
    try {
      if (!running.awaitTermination(10, TimeUnit.SECONDS)) {
        running.shutdownNow();
      }
    } catch (InterruptedException e) {
      running.shutdownNow();
      Thread.currentThread().interrupt();
    }
    server = null;
    managementServer = null;
    if (management != null) {
      management.shutdownNow();
    }
  }

  @Override
  public boolean isRunning() {
    return server != null;
  }

  /** A server with the configured limits and these services, started on {@code address}. */
  private Server start(
      InetSocketAddress address, List<ServerServiceDefinition> services, String option) {
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(address)
            .maxInboundMessageSize((int) options.maxMessageSize().toBytes())
            .maxConcurrentCallsPerConnection(options.maxConcurrentCallsPerConnection());
    services.forEach(builder::addService);
    if (!options.maxConnectionAge().isZero()) {
      builder
          .maxConnectionAge(options.maxConnectionAge().toMillis(), TimeUnit.MILLISECONDS)
          .maxConnectionAgeGrace(options.maxConnectionAgeGrace().toMillis(), TimeUnit.MILLISECONDS);
    }
    if (options.maxRstFramesPerWindow() > 0) {
      builder.maxRstFramesPerWindow(
          options.maxRstFramesPerWindow(), (int) options.rstWindow().toSeconds());
    }
    Server built = builder.build();
    try {
      return built.start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot start the gRPC server on "
              + address.getHostString()
              + ":"
              + address.getPort()
              + " ("
              + e.getMessage()
              + "); choose another port with "
              + option,
          e);
    }
  }

  /**
   * Whether a call came in on the loopback management listener: its connection's local port is that
   * listener's (no other socket of this host can listen on the same port and address).
   */
  private boolean isManagementListener(SocketAddress local) {
    Server management = managementServer;
    return management != null
        && local instanceof InetSocketAddress inet
        && inet.getAddress() != null
        && inet.getAddress().isLoopbackAddress()
        && inet.getPort() == management.getPort();
  }

  /** The loopback management listener's port, or -1 when there is none. */
  public int managementPort() {
    Server management = managementServer;
    return management == null ? -1 : management.getPort();
  }

  /** The port the server listens on (the bound one when configured as 0). */
  public int port() {
    Server running = server;
    if (running == null) {
      throw new IllegalStateException("the gRPC server is not running");
    }
    return running.getPort();
  }
}
