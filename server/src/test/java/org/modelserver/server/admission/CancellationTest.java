package org.modelserver.server.admission;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.modelserver.server.admission.AdmissionFixtures.slowBody;
import static org.modelserver.server.admission.AdmissionFixtures.slowRequest;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.ModelInferResponse;
import org.modelserver.server.RunningServer;

/**
 * Nothing runs for a caller who left: a cancelled gRPC call, a passed gRPC deadline and a REST
 * client that closes its connection leave the queue without running, while a pipelined REST request
 * is answered (see also {@link RestResultTimeoutTest}). Each test has its own one-instance model,
 * kept busy by a long request while the one under test waits behind it.
 */
class CancellationTest {
  @TempDir static Path repo;
  private static RunningServer server;
  private static int port;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() {
    for (String model : new String[] {"cancelled", "deadline", "disconnected", "pipelined"}) {
      AdmissionFixtures.addSlowModel(repo, model, "");
    }
    server = RunningServer.start("--model-repository=" + repo);
    port = server.port();
    channel = server.channel();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blocking() {
    return GRPCInferenceServiceGrpc.newBlockingStub(channel);
  }

  private static List<ListenableFuture<ModelInferResponse>> busy(String model)
      throws InterruptedException {
    return AdmissionFixtures.busy(port, channel, model);
  }

  private static void awaitPending(String model, int count) throws InterruptedException {
    AdmissionFixtures.awaitPending(port, model, count);
  }

  private static void awaitAll(List<ListenableFuture<ModelInferResponse>> futures)
      throws Exception {
    AdmissionFixtures.awaitAll(futures);
  }

  @Test
  void aCancelledGrpcCallLeavesTheQueueWithoutRunning() throws Exception {
    var first = busy("cancelled");
    Context.CancellableContext call = Context.current().withCancellation();
    Thread caller =
        new Thread(
            () ->
                call.run(
                    () -> {
                      try {
                        blocking().modelInfer(slowRequest("cancelled", 2, "withdrawn"));
                      } catch (StatusRuntimeException expected) {
                        // CANCELLED
                      }
                    }));
    caller.start();
    awaitPending("cancelled", 2);
    call.cancel(null);
    caller.join(10_000);
    awaitAll(first);
    // Only the busy requests ran: the cancelled one left the queue.
    assertThat(AdmissionFixtures.successes(port, "cancelled")).isEqualTo(2);
    String stats = AdmissionFixtures.get(port, "/v2/models/cancelled/stats").body();
    assertThat(stats).contains("\"fail\":{\"count\":1");
  }

  @Test
  void aGrpcCallWhoseDeadlinePassesInTheQueueDoesNotRun() throws Exception {
    var first = busy("deadline");
    assertThatThrownBy(
            () ->
                blocking()
                    .withDeadlineAfter(300, TimeUnit.MILLISECONDS)
                    .modelInfer(slowRequest("deadline", 2, "late")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    awaitAll(first);
    assertThat(AdmissionFixtures.successes(port, "deadline")).isEqualTo(2);
  }

  private static String rawPost(String model, String body) {
    return "POST /v2/models/"
        + model
        + "/infer HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        + "Content-Length: "
        + body.getBytes(UTF_8).length
        + "\r\n\r\n"
        + body;
  }

  @Test
  void aRestClientThatDisconnectsWhileQueuedDoesNotRun() throws Exception {
    var first = busy("disconnected");
    try (Socket socket = new Socket("localhost", port)) {
      socket.getOutputStream().write(rawPost("disconnected", slowBody(2)).getBytes(UTF_8));
      socket.getOutputStream().flush();
      awaitPending("disconnected", 1);
    } // the client leaves while its request waits behind the busy ones
    awaitAll(first);
    assertThat(AdmissionFixtures.successes(port, "disconnected")).isEqualTo(2);
    String stats = AdmissionFixtures.get(port, "/v2/models/disconnected/stats").body();
    assertThat(stats).contains("\"fail\":{\"count\":1");
  }

  @Test
  void pipelinedRestRequestsAreNotTakenForADisconnectAndAreAllAnswered() throws Exception {
    var first = busy("pipelined");
    try (Socket socket = new Socket("localhost", port)) {
      socket.setSoTimeout(60_000);
      socket.getOutputStream().write(rawPost("pipelined", slowBody(2)).getBytes(UTF_8));
      socket.getOutputStream().flush();
      awaitPending("pipelined", 1);
      // The next request arrives while the first waits.
      socket.getOutputStream().write(rawPost("pipelined", slowBody(3)).getBytes(UTF_8));
      socket.getOutputStream().flush();
      String replies = readReplies(socket.getInputStream(), 2);
      assertThat(replies.split("HTTP/1.1 200", -1)).hasSize(3);
    }
    awaitAll(first);
    assertThat(AdmissionFixtures.successes(port, "pipelined")).isEqualTo(4);
  }

  /** Reads until {@code count} complete JSON bodies (each ending in "]}]}") have arrived. */
  private static String readReplies(InputStream in, int count) throws IOException {
    StringBuilder text = new StringBuilder();
    byte[] chunk = new byte[4096];
    while (text.toString().split("\\]\\}\\]\\}", -1).length <= count) {
      int read = in.read(chunk);
      if (read < 0) {
        break;
      }
      text.append(new String(chunk, 0, read, UTF_8));
    }
    return text.toString();
  }
}
