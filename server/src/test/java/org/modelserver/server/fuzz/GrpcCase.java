package org.modelserver.server.fuzz;

import static org.modelserver.server.fuzz.Printable.printable;

/** One gRPC request message, as bytes. */
record GrpcCase(byte[] message, String how) {
  @Override
  public String toString() {
    return "ModelInfer [" + printable(how) + "] message: " + printable(message);
  }
}
