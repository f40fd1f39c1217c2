package org.modelserver.server.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.server.admission.AdmissionFixtures.slowBody;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.server.TestRepos;
import org.modelserver.server.grpc.GrpcServer;
import org.springframework.context.ConfigurableApplicationContext;

/** A REST request waits for its result at most {@code rest-result-timeout}, then 503, unrun. */
class RestResultTimeoutTest {
  @TempDir static Path repo;
  private static ConfigurableApplicationContext server;
  private static int port;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() {
    AdmissionFixtures.addSlowModel(repo, "slow", "");
    server =
        TestRepos.start(
            "--model-repository=" + repo, "--grpc-port=0", "--rest-result-timeout=400ms");
    port = TestRepos.port(server);
    channel =
        ManagedChannelBuilder.forAddress("localhost", server.getBean(GrpcServer.class).port())
            .usePlaintext()
            .build();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void aRestRequestPastTheResultTimeoutGets503AndDoesNotRun() throws Exception {
    var busy = AdmissionFixtures.busy(port, channel, "slow");
    HttpResponse<String> reply = AdmissionFixtures.post(port, "/v2/models/slow/infer", slowBody(2));
    assertThat(reply.statusCode()).isEqualTo(503);
    assertThat(reply.body()).contains("rest-result-timeout").contains("withdrawn");
    assertThat(reply.headers().firstValue("Retry-After")).isPresent();
    AdmissionFixtures.awaitAll(busy);
    assertThat(AdmissionFixtures.successes(port, "slow")).isEqualTo(2);
  }
}
