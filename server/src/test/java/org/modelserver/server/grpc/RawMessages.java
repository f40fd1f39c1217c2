package org.modelserver.server.grpc;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;

/** Methods of the inference service that send and receive raw bytes, for hostile-input tests. */
public final class RawMessages {
  private static final MethodDescriptor.Marshaller<byte[]> RAW =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private RawMessages() {}

  /** {@code inference.GRPCInferenceService/<name>} with byte-array messages both ways. */
  public static MethodDescriptor<byte[], byte[]> method(String name) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(GRPCInferenceServiceGrpc.SERVICE_NAME + "/" + name)
        .setRequestMarshaller(RAW)
        .setResponseMarshaller(RAW)
        .build();
  }
}
