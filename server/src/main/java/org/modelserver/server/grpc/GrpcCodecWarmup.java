package org.modelserver.server.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelInferResponse;
import org.modelserver.runtime.inference.InferenceResponse;

/**
 * The gRPC API's decode and encode paths, run in-process by the server warm-up with bytes as they
 * come off the wire: the request is parsed and decoded, the response encoded and serialized.
 */
public final class GrpcCodecWarmup {
  private GrpcCodecWarmup() {}

  /**
   * @return the size of the serialized response, so that nothing here is optimized away
   */
  public static int roundTrip(byte[] request, InferenceResponse response)
      throws InvalidProtocolBufferException {
    InferRequestDecoder.decode(ModelInferRequest.parseFrom(request));
    ModelInferResponse encoded = InferenceGrpcService.encode(response);
    return encoded.toByteArray().length;
  }
}
