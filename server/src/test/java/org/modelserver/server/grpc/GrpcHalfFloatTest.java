package org.modelserver.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.server.grpc.GrpcTestClient.failure;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.modelserver.grpc.v2.InferTensorContents;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelInferResponse;
import org.modelserver.server.TestRepos;
import org.springframework.context.ConfigurableApplicationContext;

/** FP16 and BF16 travel over gRPC as raw contents, bit for bit, and are refused as typed ones. */
class GrpcHalfFloatTest {
  private static final short[] FP16_BITS = {0x3C00, (short) 0xC100, 0x7BFF};
  private static final short[] BF16_BITS = {0x3F80, (short) 0xC000, 0x3F00};

  private static ConfigurableApplicationContext server;
  private static GrpcTestClient grpc;

  @BeforeAll
  static void start() {
    server = TestRepos.start("--model-repository=" + TestRepos.exampleRepo(), "--grpc-port=0");
    grpc = GrpcTestClient.of(server);
  }

  @AfterAll
  static void stop() {
    grpc.close();
    server.close();
  }

  private static ByteString raw(short[] bits) {
    ByteBuffer buffer = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (short value : bits) {
      buffer.putShort(value);
    }
    return ByteString.copyFrom(buffer.array());
  }

  private static ModelInferRequest.InferInputTensor input(String name, String datatype) {
    return ModelInferRequest.InferInputTensor.newBuilder()
        .setName(name)
        .setDatatype(datatype)
        .addShape(1)
        .addShape(3)
        .build();
  }

  @Test
  void rawHalfFloatsComeBackBitForBit() {
    ModelInferRequest request =
        ModelInferRequest.newBuilder()
            .setModelName("identity_half")
            .addInputs(input("fp16_in", "FP16"))
            .addInputs(input("bf16_in", "BF16"))
            .addRawInputContents(raw(FP16_BITS))
            .addRawInputContents(raw(BF16_BITS))
            .build();
    ModelInferResponse response = grpc.stub().modelInfer(request);
    assertThat(response.getOutputs(0).getDatatype()).isEqualTo("FP16");
    assertThat(response.getOutputs(1).getDatatype()).isEqualTo("BF16");
    assertThat(response.getRawOutputContents(0)).isEqualTo(raw(FP16_BITS));
    assertThat(response.getRawOutputContents(1)).isEqualTo(raw(BF16_BITS));
  }

  @Test
  void typedHalfFloatContentsAreInvalidArgument() {
    ModelInferRequest request =
        ModelInferRequest.newBuilder()
            .setModelName("identity_half")
            .addInputs(
                input("fp16_in", "FP16").toBuilder()
                    .setContents(
                        InferTensorContents.newBuilder()
                            .addFp32Contents(1)
                            .addFp32Contents(2)
                            .addFp32Contents(3)))
            .addInputs(
                input("bf16_in", "BF16").toBuilder()
                    .setContents(
                        InferTensorContents.newBuilder()
                            .addFp32Contents(1)
                            .addFp32Contents(2)
                            .addFp32Contents(3)))
            .build();
    Status status = failure(() -> grpc.stub().modelInfer(request));
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("FP16");
  }
}
