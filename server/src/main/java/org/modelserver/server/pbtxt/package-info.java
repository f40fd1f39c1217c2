/**
 * Triton's {@code config.pbtxt}: protobuf's text format read into the generated {@code ModelConfig}
 * message and handed to runtime's config parser as the tree a {@code config.yaml} gives. The one
 * place outside the gRPC adapter that touches protobuf.
 */
package org.modelserver.server.pbtxt;
