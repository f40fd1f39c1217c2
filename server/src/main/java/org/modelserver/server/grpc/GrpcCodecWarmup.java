package org.modelserver.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelInferResponse;
import org.modelserver.runtime.inference.InferenceResponse;

/**
 * The gRPC side of the server warm-up: request bytes as a client sends them, the decode and encode
 * paths run in-process, and calls to the server's own gRPC port.
 */
public final class GrpcCodecWarmup {
  private GrpcCodecWarmup() {}

  /**
   * A serialized {@code ModelInferRequest} with raw input contents.
   *
   * @param inputs each input's datatype name, shape and raw bytes, in order
   */
  public static byte[] request(String model, Map<String, RawInput> inputs) {
    ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(model);
    inputs.forEach(
        (name, input) -> {
          request.addInputs(
              ModelInferRequest.InferInputTensor.newBuilder()
                  .setName(name)
                  .setDatatype(input.datatype())
                  .addAllShape(Arrays.stream(input.shape()).boxed().toList()));
          request.addRawInputContents(ByteString.copyFrom(input.bytes()));
        });
    return request.build().toByteArray();
  }

  /** One input of {@link #request}. */
  public record RawInput(String datatype, long[] shape, byte[] bytes) {}

  /**
   * Parses and decodes a request, encodes and serializes a response.
   *
   * @return the size of the serialized response, so that nothing here is optimized away
   */
  public static int roundTrip(byte[] request, InferenceResponse response)
      throws InvalidProtocolBufferException {
    InferRequestDecoder.decode(ModelInferRequest.parseFrom(request));
    ModelInferResponse encoded = InferenceGrpcService.encode(response);
    return encoded.toByteArray().length;
  }

  /** Calls to the server's own gRPC port over loopback. */
  public static final class Caller implements AutoCloseable {
    private final ManagedChannel channel;

    public Caller(int port) {
      channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    /** Sends a serialized {@code ModelInferRequest}; the answer is dropped. */
    public void infer(byte[] request) throws InvalidProtocolBufferException {
      GRPCInferenceServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .modelInfer(ModelInferRequest.parseFrom(request));
    }

    @Override
    public void close() {
      channel.shutdownNow();
    }
  }
}
