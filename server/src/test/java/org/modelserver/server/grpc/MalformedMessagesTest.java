package org.modelserver.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.ModelReadyRequest;
import org.modelserver.server.RunningServer;
import org.modelserver.server.TestRepos;

/**
 * Bytes that are not a valid request message get INVALID_ARGUMENT with a short message, not UNKNOWN
 * with a stack trace (part of issue 14); the server goes on answering.
 */
class MalformedMessagesTest {
  private static RunningServer server;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() {
    server = RunningServer.start("--model-repository=" + TestRepos.exampleRepo());
    channel = server.channel();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  private static StatusRuntimeException send(String method, byte[] message) {
    MethodDescriptor<byte[], byte[]> descriptor = RawMessages.method(method);
    try {
      ClientCalls.blockingUnaryCall(channel, descriptor, CallOptions.DEFAULT, message);
      throw new AssertionError(method + " accepted a malformed message");
    } catch (StatusRuntimeException e) {
      return e;
    }
  }

  @Test
  void randomTruncatedAndNonUtf8MessagesAreInvalidArgument() {
    byte[] random = new byte[512];
    new Random(13).nextBytes(random);
    byte[] valid = ModelReadyRequest.newBuilder().setName("classifier").build().toByteArray();
    byte[] truncated = java.util.Arrays.copyOf(valid, valid.length - 3);
    // field 1 (name), length 2, bytes that are not UTF-8
    byte[] notUtf8 = {0x0a, 0x02, (byte) 0xc3, (byte) 0x28};
    for (byte[] message : new byte[][] {random, truncated, notUtf8}) {
      for (String method : new String[] {"ModelInfer", "ModelReady", "ModelMetadata"}) {
        StatusRuntimeException e = send(method, message);
        assertThat(e.getStatus().getCode()).as(method).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).contains("not a valid").hasSizeLessThan(300);
      }
    }
    // the server goes on answering
    assertThat(
            GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .modelReady(ModelReadyRequest.newBuilder().setName("classifier").build())
                .getReady())
        .isTrue();
  }
}
