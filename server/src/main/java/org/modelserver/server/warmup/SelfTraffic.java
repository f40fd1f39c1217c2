package org.modelserver.server.warmup;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.modelserver.runtime.concurrent.DaemonThreads;
import org.modelserver.server.ServerReadiness;
import org.modelserver.server.grpc.GrpcCodecWarmup;

/**
 * The warm-up's requests to the server's own REST and gRPC ports over loopback, from a few threads
 * at once (so that the dynamic batcher batches), until a deadline. Answers are read and dropped;
 * failures (a model that refuses zeros) are counted, never fatal.
 */
final class SelfTraffic {
  private static final int THREADS = 4;

  private final ExecutorService pool;
  private final List<Future<Long>> senders = new ArrayList<>();
  private final GrpcCodecWarmup.Caller channel;

  private SelfTraffic(ExecutorService pool, GrpcCodecWarmup.Caller channel) {
    this.pool = pool;
    this.channel = channel;
  }

  static SelfTraffic start(
      List<ServerWarmup.Sample> samples,
      int httpPort,
      int grpcPort,
      long deadlineNanos,
      ServerReadiness readiness) {
    GrpcCodecWarmup.Caller channel = grpcPort > 0 ? new GrpcCodecWarmup.Caller(grpcPort) : null;
    SelfTraffic traffic =
        new SelfTraffic(
            Executors.newFixedThreadPool(THREADS, DaemonThreads.numbered("server-warmup-traffic")),
            channel);
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    for (int i = 0; i < THREADS; i++) {
      traffic.senders.add(
          traffic.pool.submit(
              () -> {
                long sent = 0;
                while (System.nanoTime() < deadlineNanos
                    && !readiness.isShuttingDown()
                    && !Thread.currentThread().isInterrupted()) {
                  for (ServerWarmup.Sample sample : samples) {
                    long round = traffic.round(http, httpPort, sample);
                    if (round < 0) {
                      // The port is not reachable on 127.0.0.1 (bound to another address).
                      return sent;
                    }
                    sent += round;
                  }
                }
                return sent;
              }));
    }
    return traffic;
  }

  /**
   * One JSON, one binary and one gRPC request for the sample; returns how many were sent, or -1
   * when the REST port cannot be reached on 127.0.0.1.
   */
  private long round(HttpClient http, int port, ServerWarmup.Sample sample) {
    long sent = 0;
    URI uri = URI.create("http://127.0.0.1:" + port + "/v2/models/" + sample.model + "/infer");
    try {
      if (sample.json != null) {
        http.send(
            HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(sample.json))
                .build(),
            HttpResponse.BodyHandlers.discarding());
        sent++;
      }
      http.send(
          HttpRequest.newBuilder(uri)
              .timeout(Duration.ofSeconds(10))
              .header("Content-Type", "application/octet-stream")
              .header("Inference-Header-Content-Length", Integer.toString(sample.binaryHeader))
              .POST(HttpRequest.BodyPublishers.ofByteArray(sample.binary))
              .build(),
          HttpResponse.BodyHandlers.discarding());
      sent++;
      if (channel != null) {
        channel.infer(sample.grpc);
        sent++;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.net.ConnectException e) {
      return -1;
    } catch (Exception e) {
      // A model that refuses zeros, or a port the warm-up cannot reach: warm what else works.
      sent++;
    }
    return sent;
  }

  /** Waits for the senders to reach the deadline; returns the requests sent. */
  long await() throws InterruptedException {
    long total = 0;
    for (Future<Long> sender : senders) {
      try {
        total += sender.get();
      } catch (java.util.concurrent.ExecutionException e) {
        // A sender that failed sent what it counted before; the others go on.
      }
    }
    return total;
  }

  void stop() {
    pool.shutdownNow();
    if (channel != null) {
      channel.close();
    }
  }
}
