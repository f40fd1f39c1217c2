package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.stats.ModelStatistics;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * With dynamic batching on, concurrent clients sending distinct inputs through the real server each
 * get exactly their own rows, and requests really are merged into larger executions.
 */
class BatchingConcurrencyTest {
  @TempDir static Path repo;
  private static ConfigurableApplicationContext server;
  private static HttpTestClient http;

  @BeforeAll
  static void start() throws IOException {
    TestRepos.copyModel("mixed_io", repo);
    Files.writeString(
        repo.resolve("mixed_io/config.yaml"),
        """
        max_batch_size: 16
        dynamic_batching:
          max_queue_delay_microseconds: 2000
        instance_group:
          - {count: 2, kind: KIND_CPU}
        """);
    server = TestRepos.start("--model-repository=" + repo);
    http = new HttpTestClient(TestRepos.port(server));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void concurrentClientsGetTheirOwnRowsFromMergedBatches() throws Exception {
    int clients = 32;
    int rounds = 20;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int round = 0; round < rounds; round++) {
                    String outcome = call(client * 1000 + round);
                    if (!outcome.equals("ok")) {
                      return outcome;
                    }
                  }
                  return "ok";
                }));
      }
      start.countDown();
      for (Future<String> result : results) {
        assertThat(result.get()).isEqualTo("ok");
      }
    } finally {
      pool.shutdownNow();
    }
    ModelStatistics stats =
        server
            .getBean(ModelRegistry.class)
            .resolve("mixed_io", java.util.Optional.empty())
            .statistics();
    assertThat(stats.success().count()).isEqualTo((long) clients * rounds);
    assertThat(stats.batchStats().lastKey())
        .as("the largest executed batch under concurrent load")
        .isGreaterThan(1);
    assertThat(stats.executionCount()).isLessThan(stats.success().count());

    // The statistics extension and /metrics report the same merged executions.
    JsonNode reported =
        http.get("/v2/models/mixed_io/versions/1/stats").json().get("model_stats").get(0);
    assertThat(reported.get("execution_count").longValue()).isEqualTo(stats.executionCount());
    JsonNode batchStats = reported.get("batch_stats");
    assertThat(batchStats.get(batchStats.size() - 1).get("batch_size").longValue())
        .isGreaterThan(1);
    String metrics = http.get("/metrics").body();
    assertThat(metrics)
        .contains(
            "nv_inference_exec_count{model=\"mixed_io\",version=\"1\"} " + stats.executionCount());
  }

  /** A request of 1 or 2 rows whose expected outputs (x * k + 0.5) depend on the client. */
  private static String call(int seed) {
    int rows = 1 + seed % 2;
    StringBuilder x = new StringBuilder();
    StringBuilder k = new StringBuilder();
    float[] expected = new float[rows * 4];
    for (int i = 0; i < rows * 4; i++) {
      float xv = seed + i * 0.25f;
      long kv = (seed + i) % 5;
      expected[i] = xv * kv + 0.5f;
      x.append(i == 0 ? "" : ",").append(xv);
      k.append(i == 0 ? "" : ",").append(kv);
    }
    String body =
        "{\"id\":\"s"
            + seed
            + "\",\"inputs\":[{\"name\":\"x\",\"shape\":["
            + rows
            + ",4],\"datatype\":\"FP32\",\"data\":["
            + x
            + "]},{\"name\":\"k\",\"shape\":["
            + rows
            + ",4],\"datatype\":\"INT64\",\"data\":["
            + k
            + "]}]}";
    HttpTestClient.Reply reply = http.post("/v2/models/mixed_io/infer", body);
    if (reply.status() != 200) {
      return "status " + reply.status() + ": " + reply.body();
    }
    JsonNode response = reply.json();
    if (!response.get("id").stringValue().equals("s" + seed)) {
      return "wrong id " + response.get("id") + " for s" + seed;
    }
    JsonNode scaled = response.get("outputs").get(0);
    if (!scaled.get("shape").toString().equals("[" + rows + ",4]")) {
      return "seed " + seed + " got shape " + scaled.get("shape");
    }
    for (int i = 0; i < expected.length; i++) {
      float got = scaled.get("data").get(i).floatValue();
      if (Math.abs(got - expected[i]) > 1e-3f * Math.max(1, Math.abs(expected[i]))) {
        return "seed " + seed + " element " + i + " = " + got + ", expected " + expected[i];
      }
    }
    return "ok";
  }
}
