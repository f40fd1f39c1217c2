package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * Concurrent clients each get exactly their own results, and failing requests running beside them
 * disturb nothing.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "model-repository=${modelserver.test.repo:../model-repo}")
class ConcurrentRequestsTest {
  @LocalServerPort int port;

  @Test
  void eachClientGetsItsOwnOutputsWhileBadRequestsFail() throws Exception {
    HttpTestClient http = new HttpTestClient(port);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        int client = i;
        results.add(pool.submit(() -> call(http, client)));
      }
      for (Future<String> result : results) {
        assertThat(result.get()).isEqualTo("ok");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** mixed_io's scaled output is x * k + 0.5, so every client can check its own answer. */
  private static String call(HttpTestClient http, int client) {
    if (client % 4 == 3) {
      HttpTestClient.Reply bad =
          http.post("/v2/models/mixed_io/infer", "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4]}]}");
      return bad.status() == 400 ? "ok" : "bad request got " + bad.status();
    }
    int rows = 1 + client % 4;
    StringBuilder x = new StringBuilder();
    StringBuilder k = new StringBuilder();
    for (int i = 0; i < rows * 4; i++) {
      x.append(i == 0 ? "" : ",").append(client + i);
      k.append(i == 0 ? "" : ",").append(i % 3);
    }
    String body =
        "{\"id\":\"c"
            + client
            + "\",\"inputs\":[{\"name\":\"x\",\"shape\":["
            + rows
            + ",4],\"datatype\":\"FP32\",\"data\":["
            + x
            + "]},{\"name\":\"k\",\"shape\":["
            + rows
            + ",4],\"datatype\":\"INT64\",\"data\":["
            + k
            + "]}],\"outputs\":[{\"name\":\"scaled\"}]}";
    HttpTestClient.Reply reply = http.post("/v2/models/mixed_io/infer", body);
    if (reply.status() != 200) {
      return "status " + reply.status() + ": " + reply.body();
    }
    JsonNode response = reply.json();
    if (!response.get("id").stringValue().equals("c" + client)) {
      return "wrong id " + response.get("id");
    }
    JsonNode data = response.get("outputs").get(0).get("data");
    if (data.size() != rows * 4) {
      return "wrong element count " + data.size();
    }
    for (int i = 0; i < rows * 4; i++) {
      double expected = (float) (client + i) * (i % 3) + 0.5f;
      if (Math.abs(data.get(i).doubleValue() - expected) > 1e-3) {
        return "client "
            + client
            + " element "
            + i
            + " = "
            + data.get(i)
            + ", expected "
            + expected;
      }
    }
    return "ok";
  }
}
