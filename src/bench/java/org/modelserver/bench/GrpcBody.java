package org.modelserver.bench;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelInferRequest.InferInputTensor;

/**
 * Writes one gRPC ModelInfer request body for {@code src/bench/run.sh}'s gRPC scenarios, as h2load
 * posts it: the gRPC message framing (one byte 0 = not compressed, the message length as 4 bytes
 * big-endian) followed by a serialized {@code inference.ModelInferRequest}.
 *
 * <pre>
 * GrpcBody OUT MODEL INPUT DIM [DIM ...]
 * </pre>
 *
 * <p>The request has one FP32 input of the given shape (batch dimension first), its values in
 * {@code raw_input_contents} (little-endian), pseudo-random in [0, 1) with three decimals from a
 * fixed seed, like {@code make_body.py}. Not a test: run with the server module's test classpath.
 */
public final class GrpcBody {
  private GrpcBody() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 4) {
      System.err.println("usage: GrpcBody OUT MODEL INPUT DIM [DIM ...]");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    InferInputTensor.Builder input =
        InferInputTensor.newBuilder().setName(args[2]).setDatatype("FP32");
    long count = 1;
    for (int i = 3; i < args.length; i++) {
      long dim = Long.parseLong(args[i]);
      if (dim < 1) {
        throw new IllegalArgumentException("dimension " + args[i] + " must be at least 1");
      }
      input.addShape(dim);
      count *= dim;
    }
    if (count > Integer.MAX_VALUE / Float.BYTES) {
      throw new IllegalArgumentException("the tensor has too many elements: " + count);
    }
    ByteBuffer raw = ByteBuffer.allocate((int) count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    Random random = new Random(42);
    for (long i = 0; i < count; i++) {
      raw.putFloat(Math.round(random.nextDouble() * 1000) / 1000f);
    }
    raw.flip();
    byte[] message =
        ModelInferRequest.newBuilder()
            .setModelName(args[1])
            .addInputs(input)
            .addRawInputContents(ByteString.copyFrom(raw))
            .build()
            .toByteArray();
    ByteBuffer framed = ByteBuffer.allocate(5 + message.length).order(ByteOrder.BIG_ENDIAN);
    framed.put((byte) 0).putInt(message.length).put(message);
    Files.write(out, framed.array());
    System.out.println(
        "wrote " + out + ": ModelInferRequest of " + message.length + " bytes, " + count + " FP32");
  }
}
