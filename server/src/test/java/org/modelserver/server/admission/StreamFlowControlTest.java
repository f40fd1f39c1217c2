package org.modelserver.server.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelStreamInferResponse;
import org.modelserver.server.RunningServer;
import org.modelserver.server.grpc.GrpcServer;

/**
 * {@code ModelStreamInfer} with a client that does not read its responses: the server stops reading
 * requests once its window of unanswered requests is full and the client's flow-control window is,
 * so it runs (and holds) only a bounded number of them; once the client reads, every request is
 * answered.
 */
class StreamFlowControlTest {
  private static final int REQUESTS = 4000;
  private static final int WINDOW = 8;

  @TempDir static Path repo;
  private static RunningServer server;
  private static int port;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() {
    AdmissionFixtures.addClassifier(repo, "");
    server = RunningServer.start("--model-repository=" + repo, "--grpc-stream-window=" + WINDOW);
    port = server.port();
    channel =
        NettyChannelBuilder.forAddress(
                "localhost", server.context().getBean(GrpcServer.class).port())
            .usePlaintext()
            // the smallest HTTP/2 window: responses the client does not read soon fill it
            .flowControlWindow(65_535)
            .build();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void aClientThatDoesNotReadIsNotReadEitherAndIsAnsweredOnceItReads() throws Exception {
    AtomicReference<ClientCallStreamObserver<ModelInferRequest>> call = new AtomicReference<>();
    AtomicInteger received = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1);
    GRPCInferenceServiceGrpc.newStub(channel)
        .modelStreamInfer(
            new ClientResponseObserver<ModelInferRequest, ModelStreamInferResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<ModelInferRequest> requests) {
                requests.disableAutoRequestWithInitial(0); // reads nothing until asked
                call.set(requests);
              }

              @Override
              public void onNext(ModelStreamInferResponse response) {
                assertThat(response.getErrorMessage()).isEmpty();
                received.incrementAndGet();
              }

              @Override
              public void onError(Throwable t) {
                done.countDown();
              }

              @Override
              public void onCompleted() {
                done.countDown();
              }
            });
    ClientCallStreamObserver<ModelInferRequest> requests = call.get();
    for (int i = 0; i < REQUESTS; i++) {
      requests.onNext(AdmissionFixtures.classifierRequest("r" + i)); // buffered by the client
    }
    requests.onCompleted();

    long executed = settledSuccesses();
    // Bounded by the window plus the responses that fit the client's 64 KiB window and the
    // server's outbound buffer (about 100 bytes each), far below every request sent.
    assertThat(executed).isGreaterThanOrEqualTo(WINDOW).isLessThan(REQUESTS / 2);
    assertThat(received).hasValue(0);

    requests.request(REQUESTS); // the client reads at last
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(received).hasValue(REQUESTS);
    assertThat(AdmissionFixtures.successes(port, "classifier")).isEqualTo(REQUESTS);
  }

  /** The successes once they stop changing for a second. */
  private static long settledSuccesses() throws InterruptedException {
    long previous = -1;
    long current = AdmissionFixtures.successes(port, "classifier");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while ((current != previous || current == 0) && System.nanoTime() < deadline) {
      Thread.sleep(1000);
      previous = current;
      current = AdmissionFixtures.successes(port, "classifier");
    }
    return current;
  }
}
