package org.modelserver.bench;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelInferResponse;

/**
 * Sends one request body written by {@link GrpcBody} with a real gRPC client and checks that the
 * call succeeds: h2load counts every HTTP 200 as a success, even when the gRPC status in the
 * trailers is an error, so {@code src/bench/run.sh} runs this before a gRPC scenario.
 *
 * <pre>
 * GrpcSmoke HOST:PORT BODY
 * </pre>
 *
 * <p>Prints {@code OK response_bytes=N framed_bytes=M outputs=...} and exits 0 when the call
 * returns OK with at least one output whose raw contents match its shape, otherwise prints {@code
 * FAILED reason} and exits 1. {@code framed_bytes} is the response as it travels in DATA frames
 * (message plus the 5-byte gRPC prefix).
 */
public final class GrpcSmoke {
  private GrpcSmoke() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    if (args.length != 2 || args[0].lastIndexOf(':') < 1) {
      System.err.println("usage: GrpcSmoke HOST:PORT BODY");
      System.exit(2);
    }
    String host = args[0].substring(0, args[0].lastIndexOf(':'));
    int port = Integer.parseInt(args[0].substring(args[0].lastIndexOf(':') + 1));
    ByteBuffer body = ByteBuffer.wrap(Files.readAllBytes(Path.of(args[1])));
    body.order(ByteOrder.BIG_ENDIAN);
    if (body.remaining() < 5 || body.get() != 0 || body.getInt() != body.remaining()) {
      fail("the body " + args[1] + " is not one uncompressed gRPC message");
    }
    ModelInferRequest request = ModelInferRequest.parseFrom(body);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(host, port)
            .usePlaintext()
            .maxInboundMessageSize(256 << 20)
            .build();
    try {
      ModelInferResponse response;
      try {
        response =
            GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(120, TimeUnit.SECONDS)
                .modelInfer(request);
      } catch (StatusRuntimeException e) {
        fail(
            "ModelInfer returned "
                + e.getStatus().getCode()
                + ": "
                + e.getStatus().getDescription());
        return;
      }
      check(response);
      StringBuilder outputs = new StringBuilder();
      for (ModelInferResponse.InferOutputTensor output : response.getOutputsList()) {
        outputs.append(outputs.isEmpty() ? "" : ",").append(output.getName()).append('[');
        for (int d = 0; d < output.getShapeCount(); d++) {
          outputs.append(d == 0 ? "" : "x").append(output.getShape(d));
        }
        outputs.append("]:").append(output.getDatatype());
      }
      int size = response.getSerializedSize();
      System.out.println(
          "OK response_bytes=" + size + " framed_bytes=" + (size + 5) + " outputs=" + outputs);
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static void check(ModelInferResponse response) {
    if (response.getOutputsCount() == 0) {
      fail("the response has no outputs");
    }
    if (response.getRawOutputContentsCount() != response.getOutputsCount()) {
      fail(
          "the response has "
              + response.getOutputsCount()
              + " outputs but "
              + response.getRawOutputContentsCount()
              + " raw_output_contents");
    }
    for (int i = 0; i < response.getOutputsCount(); i++) {
      ModelInferResponse.InferOutputTensor output = response.getOutputs(i);
      long elements = 1;
      for (long dim : output.getShapeList()) {
        elements *= dim;
      }
      long expected = elements * width(output.getDatatype());
      long actual = response.getRawOutputContents(i).size();
      if (expected > 0 && actual != expected) {
        fail(
            "output "
                + output.getName()
                + " "
                + output.getShapeList()
                + " "
                + output.getDatatype()
                + " has "
                + actual
                + " raw bytes, expected "
                + expected);
      }
    }
  }

  /** Bytes per element, or 0 when not fixed (BYTES). */
  private static int width(String datatype) {
    return switch (datatype) {
      case "BOOL", "INT8", "UINT8" -> 1;
      case "INT16", "UINT16", "FP16", "BF16" -> 2;
      case "INT32", "UINT32", "FP32" -> 4;
      case "INT64", "UINT64", "FP64" -> 8;
      default -> 0;
    };
  }

  private static void fail(String reason) {
    System.out.println("FAILED " + reason);
    System.exit(1);
  }
}
