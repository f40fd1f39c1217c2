package org.modelserver.server.grpc;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The gRPC API's options, bound from {@code application.yaml} like every other option: {@code
 * --grpc-port=8001} (or {@code GRPC_PORT}), {@code --grpc-address}, {@code
 * --grpc-max-message-size=64MB}, and the per-connection limits below.
 *
 * @param port the port the gRPC server listens on; 0 picks a free port
 * @param address the address it binds to
 * @param maxMessageSize the largest message a client may send; larger ones get RESOURCE_EXHAUSTED
 * @param maxConcurrentCallsPerConnection calls one HTTP/2 connection may have open at once; more
 *     wait in the client (HTTP/2 {@code MAX_CONCURRENT_STREAMS})
 * @param maxConnectionAge connections older than this are asked to reconnect (GOAWAY), so load
 *     spreads over replicas; 0 means never
 * @param maxConnectionAgeGrace how long an aged connection's calls may still run
 * @param maxRstFramesPerWindow stream resets a client may send per {@code rstWindow} before the
 *     connection is closed (the HTTP/2 "rapid reset" flood); 0 means no limit
 * @param rstWindow the window of {@code maxRstFramesPerWindow}
 * @param streamWindow requests one {@code ModelStreamInfer} stream may have taken and not yet
 *     answered; the stream reads no more until responses are sent and read
 * @param managementPort the port of the loopback-only listener (127.0.0.1) on which the repository
 *     RPCs need no admin token; 0 picks a free port, -1 means none
 */
@ConfigurationProperties("modelserver.grpc")
public record GrpcOptions(
    int port,
    String address,
    DataSize maxMessageSize,
    Integer maxConcurrentCallsPerConnection,
    Duration maxConnectionAge,
    Duration maxConnectionAgeGrace,
    Integer maxRstFramesPerWindow,
    Duration rstWindow,
    Integer streamWindow,
    Integer managementPort) {
  public GrpcOptions {
    if (managementPort == null) {
      managementPort = 8082;
    }
    if (managementPort < -1 || managementPort > 65535) {
      throw new IllegalArgumentException(
          "grpc-management-port must be between 0 and 65535, or -1 for none, got "
              + managementPort);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("grpc-port must be between 0 and 65535, got " + port);
    }
    if (address == null || address.isBlank()) {
      address = "0.0.0.0";
    }
    if (maxMessageSize == null) {
      maxMessageSize = DataSize.ofMegabytes(64);
    }
    if (maxMessageSize.toBytes() < 1 || maxMessageSize.toBytes() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("grpc-max-message-size must be between 1 byte and 2 GiB");
    }
    maxConcurrentCallsPerConnection =
        atLeastOne(maxConcurrentCallsPerConnection, 128, "grpc-max-concurrent-calls");
    streamWindow = atLeastOne(streamWindow, 32, "grpc-stream-window");
    maxConnectionAge = maxConnectionAge == null ? Duration.ZERO : maxConnectionAge;
    maxConnectionAgeGrace =
        maxConnectionAgeGrace == null ? Duration.ofSeconds(30) : maxConnectionAgeGrace;
    if (maxConnectionAge.isNegative() || maxConnectionAgeGrace.isNegative()) {
      throw new IllegalArgumentException("grpc-max-connection-age and its grace must be 0 or more");
    }
    if (maxRstFramesPerWindow == null) {
      maxRstFramesPerWindow = 200;
    }
    if (maxRstFramesPerWindow < 0) {
      throw new IllegalArgumentException("grpc-max-rst-frames must be 0 (no limit) or more");
    }
    rstWindow = rstWindow == null ? Duration.ofSeconds(10) : rstWindow;
    if (rstWindow.toSeconds() < 1) {
      throw new IllegalArgumentException("grpc-rst-window must be 1 second or more");
    }
  }

  private static int atLeastOne(Integer value, int fallback, String option) {
    int result = value == null ? fallback : value;
    if (result < 1) {
      throw new IllegalArgumentException(option + " must be 1 or more, got " + result);
    }
    return result;
  }
}
