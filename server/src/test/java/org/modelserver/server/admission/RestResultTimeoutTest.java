package org.modelserver.server.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.server.admission.AdmissionFixtures.slowBody;

import io.grpc.ManagedChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.RunningServer;

/** A REST request waits for its result at most {@code rest-result-timeout}, then 503, unrun. */
class RestResultTimeoutTest {
  @TempDir static Path repo;
  private static RunningServer server;
  private static int port;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() {
    AdmissionFixtures.addSlowModel(repo, "slow", "");
    server = RunningServer.start("--model-repository=" + repo, "--rest-result-timeout=400ms");
    port = server.port();
    channel = server.channel();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  @Test
  void aRestRequestPastTheResultTimeoutGets503AndDoesNotRun() throws Exception {
    var busy = AdmissionFixtures.busy(port, channel, "slow");
    HttpTestClient.Reply reply = AdmissionFixtures.post(port, "/v2/models/slow/infer", slowBody(2));
    assertThat(reply.status()).isEqualTo(503);
    assertThat(reply.body()).contains("rest-result-timeout").contains("withdrawn");
    assertThat(reply.header("Retry-After")).isPresent();
    AdmissionFixtures.awaitAll(busy);
    assertThat(AdmissionFixtures.successes(port, "slow")).isEqualTo(2);
  }
}
