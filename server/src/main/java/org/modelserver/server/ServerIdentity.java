package org.modelserver.server;

import java.util.List;

/** What the server metadata says about this server, whatever the protocol. */
public final class ServerIdentity {
  public static final String NAME = "jvm-model-server";

  /**
   * The protocol extensions this server implements (binary_tensor_data is the HTTP form of what
   * gRPC does with raw contents).
   */
  public static final List<String> EXTENSIONS =
      List.of("model_configuration", "statistics", "binary_tensor_data", "classification");

  private ServerIdentity() {}
}
