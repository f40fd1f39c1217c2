package org.modelserver.server.grpc;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The gRPC API's options, bound from {@code application.yaml} like every other option: {@code
 * --grpc-port=8001} (or {@code GRPC_PORT}), {@code --grpc-address}, {@code
 * --grpc-max-message-size=64MB}.
 *
 * @param port the port the gRPC server listens on; 0 picks a free port
 * @param address the address it binds to
 * @param maxMessageSize the largest message a client may send; larger ones get RESOURCE_EXHAUSTED
 */
@ConfigurationProperties("modelserver.grpc")
public record GrpcOptions(int port, String address, DataSize maxMessageSize) {
  public GrpcOptions {
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
  }
}
