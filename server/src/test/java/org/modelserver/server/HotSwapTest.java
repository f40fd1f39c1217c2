package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Versions are swapped while clients keep sending requests: no request fails, and every response's
 * outputs are those of the version it names. Version N of the swapped model holds the bytes of the
 * example classifier's version 1 when N is odd and of its version 2 when N is even, so each
 * response can be checked against the reference outputs of the version it reports.
 */
class HotSwapTest {
  private static final int SWAPS = 20;
  private static final int CLIENTS = 4;

  @TempDir Path repo;

  @Test
  void twentySwapsThroughTheLoadApiUnderLoadFailNoRequest() throws Exception {
    Path model = prepareRepo();
    try (ConfigurableApplicationContext context =
        TestRepos.start(
            "--model-repository=" + repo,
            "--model-control-mode=explicit",
            "--load-model=swapped")) {
      HttpTestClient http = TestRepos.client(context);
      runUnderLoad(
          http,
          version -> {
            ObjectNode parameters = HttpTestClient.JSON.createObjectNode();
            parameters.put(
                "file:" + version + "/model.onnx",
                Base64.getEncoder().encodeToString(classifierBytes(version)));
            ObjectNode body = HttpTestClient.JSON.createObjectNode();
            body.set("parameters", parameters);
            HttpTestClient.Reply reply = http.post("/v2/repository/models/swapped/load", body);
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
          });
      assertThat(Files.list(model).map(p -> p.getFileName().toString()).toList())
          .contains(Integer.toString(SWAPS + 1));
    }
  }

  @Test
  void twentySwapsByDroppingVersionFoldersInPollModeFailNoRequest() throws Exception {
    Path model = prepareRepo();
    try (ConfigurableApplicationContext context =
        TestRepos.start(
            "--model-repository=" + repo,
            "--model-control-mode=poll",
            "--repository-poll-secs=1")) {
      HttpTestClient http = TestRepos.client(context);
      runUnderLoad(
          http,
          version -> {
            // What an operator should do: write the folder beside, then rename it in at once.
            Path staging = repo.resolve(".incoming-" + version);
            write(staging.resolve("model.onnx"), classifierBytes(version));
            try {
              Files.move(
                  staging, model.resolve(Long.toString(version)), StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
            awaitDefaultVersion(http, version);
          });
    }
  }

  @Test
  void liveReconfigurationUnderLoadFailsNoRequest() throws Exception {
    prepareRepo();
    try (ConfigurableApplicationContext context =
        TestRepos.start(
            "--model-repository=" + repo,
            "--model-control-mode=explicit",
            "--load-model=swapped")) {
      HttpTestClient http = TestRepos.client(context);
      List<String> configs =
          List.of(
              "{\"max_batch_size\": 8, \"instance_group\": [{\"count\": 2}]}",
              "{\"max_batch_size\": 16, \"dynamic_batching\":"
                  + " {\"max_queue_delay_microseconds\": 2000, \"preferred_batch_size\": [4]}}",
              "{\"max_batch_size\": 4}");
      runUnderLoad(
          http,
          round -> {
            ObjectNode parameters = HttpTestClient.JSON.createObjectNode();
            parameters.put("config", configs.get((int) (round % configs.size())));
            ObjectNode body = HttpTestClient.JSON.createObjectNode();
            body.set("parameters", parameters);
            HttpTestClient.Reply reply = http.post("/v2/repository/models/swapped/load", body);
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
          },
          false);
      assertThat(http.get("/v2/models/swapped/config").json().get("max_batch_size").intValue())
          .isIn(4, 8, 16);
    }
  }

  private void runUnderLoad(HttpTestClient http, java.util.function.LongConsumer swap)
      throws Exception {
    runUnderLoad(http, swap, true);
  }

  /**
   * Sends requests from several clients while {@code swap} runs for rounds 2..SWAPS+1 (installing
   * version N in round N when {@code newVersions}).
   */
  private void runUnderLoad(
      HttpTestClient http, java.util.function.LongConsumer swap, boolean newVersions)
      throws Exception {
    JsonNode request = reference(1).get("request");
    AtomicBoolean running = new AtomicBoolean(true);
    List<String> failures = new CopyOnWriteArrayList<>();
    Set<Long> versionsSeen = ConcurrentHashMap.newKeySet();
    AtomicInteger served = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    List<Future<?>> futures = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      futures.add(
          clients.submit(
              () -> {
                while (running.get()) {
                  HttpTestClient.Reply reply = http.post("/v2/models/swapped/infer", request);
                  if (reply.status() != 200) {
                    failures.add(reply.status() + " " + reply.body());
                    continue;
                  }
                  JsonNode body = reply.json();
                  long version = Long.parseLong(body.get("model_version").stringValue());
                  JsonNode expected = expectedOutputs(version);
                  JsonNode actual = body.get("outputs").get(0).get("data");
                  if (!close(expected, actual)) {
                    failures.add(
                        "version " + version + " answered " + actual + ", expected " + expected);
                  }
                  versionsSeen.add(version);
                  served.incrementAndGet();
                }
              }));
    }
    try {
      awaitServed(served, 50);
      for (long version = 2; version <= SWAPS + 1; version++) {
        int before = served.get();
        swap.accept(version);
        awaitServed(served, before + 20);
      }
    } finally {
      running.set(false);
      clients.shutdown();
      assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }
    for (Future<?> future : futures) {
      future.get();
    }
    assertThat(failures).as("failed or wrong responses").isEmpty();
    if (newVersions) {
      assertThat(versionsSeen).as("versions that answered").hasSizeGreaterThan(SWAPS / 2);
      assertThat(versionsSeen).contains((long) SWAPS + 1);
    }
  }

  /** PyTorch's outputs for the classifier bytes version N holds, on the reference input. */
  private static JsonNode expectedOutputs(long version) {
    return reference(version % 2 == 1 ? 1 : 2).get("response").get("outputs").get(0).get("data");
  }

  private static boolean close(JsonNode expected, JsonNode actual) {
    if (actual == null || expected.size() != actual.size()) {
      return false;
    }
    for (int i = 0; i < expected.size(); i++) {
      if (Math.abs(expected.get(i).doubleValue() - actual.get(i).doubleValue()) > 1e-5) {
        return false;
      }
    }
    return true;
  }

  /**
   * The example classifier's first reference case (PyTorch's outputs) for source version 1 or 2;
   * both use the same input.
   */
  private static JsonNode reference(long source) {
    JsonNode cases =
        HttpTestClient.JSON
            .readTree(TestRepos.exampleRepo().resolve("classifier/reference.json").toFile())
            .get("cases");
    for (JsonNode candidate : cases) {
      if (candidate.get("version").stringValue().equals(Long.toString(source))) {
        return candidate;
      }
    }
    throw new AssertionError("no reference case for classifier version " + source);
  }

  private Path prepareRepo() throws IOException {
    Path model = repo.resolve("swapped");
    write(model.resolve("1/model.onnx"), classifierBytes(1));
    Files.writeString(
        model.resolve("config.yaml"),
        """
        platform: onnxruntime_onnx
        max_batch_size: 32
        input:
          - {name: features, data_type: TYPE_FP32, dims: [4]}
        output:
          - {name: probabilities, data_type: TYPE_FP32, dims: [3]}
        dynamic_batching: {max_queue_delay_microseconds: 500}
        """);
    return model;
  }

  private static byte[] classifierBytes(long version) {
    long source = version % 2 == 1 ? 1 : 2;
    try {
      return Files.readAllBytes(
          TestRepos.exampleRepo().resolve("classifier/" + source + "/model.onnx"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void awaitServed(AtomicInteger served, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (served.get() < count && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(served.get()).as("requests served").isGreaterThanOrEqualTo(count);
  }

  private static void awaitDefaultVersion(HttpTestClient http, long version) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      HttpTestClient.Reply reply = http.get("/v2/models/swapped");
      if (reply.status() == 200
          && reply.json().get("versions").toString().contains("\"" + version + "\"")) {
        HttpTestClient.Reply ready = http.get("/v2/models/swapped/versions/" + version + "/ready");
        if (ready.status() == 200) {
          return;
        }
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new AssertionError("version " + version + " never became ready through polling");
  }
}
