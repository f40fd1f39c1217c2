package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelInferResponse;
import org.modelserver.runtime.testsupport.TinyOnnx;
import org.modelserver.server.grpc.GrpcTestClient;
import tools.jackson.databind.JsonNode;

/**
 * Shadow traffic on a real server: versionless requests are mirrored to the shadow version after
 * they are answered, over REST and gRPC; the agreement figures are exact for an identical copy and
 * for a different version; a full shadow queue drops (and counts) shadow work and a failing shadow
 * never fails a caller; the setting survives a restart; bad settings are refused.
 */
class ShadowTrafficTest {
  private static final String SHADOW = "/v2/models/classifier/shadow";
  private static final String OUTPUT = "probabilities";

  @TempDir Path repo;

  private RunningServer server;
  private HttpTestClient http;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private void start(String... models) {
    List<String> args = new ArrayList<>();
    args.add("--model-repository=" + repo);
    args.add("--model-control-mode=explicit");
    for (String model : models) {
      args.add("--load-model=" + model);
    }
    server = RunningServer.start(args.toArray(String[]::new));
    http = server.http();
  }

  /** The example classifier, whose versions 1 and 2 have different weights. */
  private void classifier() {
    TestRepos.copyModel("classifier", repo);
  }

  /** The example classifier with version 2 an identical copy of version 1. */
  private void identicalClassifier() throws IOException {
    classifier();
    Files.copy(
        repo.resolve("classifier/1/model.onnx"),
        repo.resolve("classifier/2/model.onnx"),
        StandardCopyOption.REPLACE_EXISTING);
  }

  private HttpTestClient.Reply put(String path, String body) {
    return http.send(
        HttpRequest.newBuilder(http.uri(path))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  private void shadow(String path, String body) {
    HttpTestClient.Reply reply = put(path, body);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
  }

  private static String features(float[][] rows) {
    StringBuilder data = new StringBuilder();
    for (float[] row : rows) {
      for (float value : row) {
        data.append(data.length() == 0 ? "" : ",").append(value);
      }
    }
    return "{\"inputs\":[{\"name\":\"features\",\"shape\":["
        + rows.length
        + ",4],\"datatype\":\"FP32\",\"data\":["
        + data
        + "]}]}";
  }

  private static float[][] randomRows(Random random, int count) {
    float[][] rows = new float[count][4];
    for (float[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        row[i] = (float) (random.nextGaussian() * 2);
      }
    }
    return rows;
  }

  private JsonNode infer(String path, String body) {
    HttpTestClient.Reply reply = http.post(path, body);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    return reply.json();
  }

  private static float[] probabilities(JsonNode response) {
    JsonNode data = response.get("outputs").get(0).get("data");
    float[] values = new float[data.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = data.get(i).floatValue();
    }
    return values;
  }

  /** The agreement of version 2 (answering) with the shadow version 1, once it is there. */
  private JsonNode agreement(String path, Predicate<JsonNode> done) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      HttpTestClient.Reply reply = http.get(path);
      assertThat(reply.status()).as(reply.body()).isEqualTo(200);
      for (JsonNode pair : reply.json().get("agreement")) {
        if (pair.get("version").stringValue().equals("2")
            && pair.get("shadow_version").stringValue().equals("1")) {
          last = pair;
          if (done.test(pair)) {
            return pair;
          }
        }
      }
      sleep(20);
    }
    throw new AssertionError("the shadow figures never reached the expected state: " + last);
  }

  private static Predicate<JsonNode> settled(long requests) {
    return pair ->
        pair.get("mirrored").longValue()
                + pair.get("dropped").longValue()
                + pair.get("failed").longValue()
            >= requests;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static JsonNode output(JsonNode pair) {
    return pair.get("outputs").get(0);
  }

  @Test
  void anIdenticalCopyAgreesExactly() throws IOException {
    identicalClassifier();
    start("classifier");
    shadow(SHADOW, "{\"version\": 1, \"percent\": 100}");
    Random random = new Random(7);
    int requests = 60;

    for (int i = 0; i < requests; i++) {
      JsonNode response = infer("/v2/models/classifier/infer", features(randomRows(random, 1)));
      assertThat(response.get("model_version").stringValue()).isEqualTo("2");
      agreement(SHADOW, settled(i + 1)); // paced: a busy machine may starve the idle-class worker
    }

    JsonNode pair = agreement(SHADOW, settled(requests));
    assertThat(pair.get("mirrored").longValue()).isEqualTo(requests);
    assertThat(pair.get("dropped").longValue()).isZero();
    assertThat(pair.get("failed").longValue()).isZero();
    JsonNode output = output(pair);
    assertThat(output.get("name").stringValue()).isEqualTo(OUTPUT);
    assertThat(output.get("compared").longValue()).isEqualTo(requests);
    assertThat(output.get("shape_mismatches").longValue()).isZero();
    assertThat(output.get("max_abs_diff").doubleValue()).isEqualTo(0.0);
    assertThat(output.get("mean_max_abs_diff").doubleValue()).isEqualTo(0.0);
    assertThat(output.get("rows").longValue()).isEqualTo(requests);
    assertThat(output.get("argmax_agreement").doubleValue()).isEqualTo(1.0);

    PrometheusText metrics = PrometheusText.parse(http.get("/metrics").body());
    Map<String, String> labels =
        Map.of("model", "classifier", "version", "2", "shadow_version", "1");
    assertThat(metrics.value("nv_shadow_requests_total", with(labels, "outcome", "mirrored")))
        .isEqualTo(requests);
    assertThat(metrics.value("nv_shadow_requests_total", with(labels, "outcome", "dropped")))
        .isZero();
    assertThat(metrics.value("nv_shadow_argmax_agreement_ratio", with(labels, "output", OUTPUT)))
        .isEqualTo(1.0);
    assertThat(metrics.value("nv_shadow_max_abs_diff", with(labels, "output", OUTPUT))).isZero();
    assertThat(metrics.value("nv_shadow_outputs_compared_total", with(labels, "output", OUTPUT)))
        .isEqualTo(requests);
  }

  private static Map<String, String> with(Map<String, String> labels, String name, String value) {
    Map<String, String> more = new java.util.HashMap<>(labels);
    more.put(name, value);
    return more;
  }

  @Test
  void aDifferentVersionsFiguresMatchWhatItsOwnAnswersGive() {
    classifier();
    start("classifier");
    Random random = new Random(11);
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      bodies.add(features(randomRows(random, 1 + i % 4))); // batches of 1 to 4 rows
    }
    // What the figures must be, from each version's own answers.
    double expectedMax = 0;
    double sumOfMax = 0;
    long rows = 0;
    long agreeing = 0;
    for (String body : bodies) {
      float[] one = probabilities(infer("/v2/models/classifier/versions/1/infer", body));
      float[] two = probabilities(infer("/v2/models/classifier/versions/2/infer", body));
      double requestMax = 0;
      for (int i = 0; i < one.length; i++) {
        requestMax = Math.max(requestMax, Math.abs((double) one[i] - (double) two[i]));
      }
      expectedMax = Math.max(expectedMax, requestMax);
      sumOfMax += requestMax;
      for (int row = 0; row < one.length / 3; row++) {
        rows++;
        if (argMax(one, row * 3) == argMax(two, row * 3)) {
          agreeing++;
        }
      }
    }
    shadow(SHADOW, "{\"version\": \"1\", \"percent\": 100}");

    int sent = 0;
    for (String body : bodies) {
      infer("/v2/models/classifier/infer", body);
      agreement(SHADOW, settled(++sent));
    }

    JsonNode pair = agreement(SHADOW, settled(bodies.size()));
    assertThat(pair.get("mirrored").longValue()).isEqualTo(bodies.size());
    JsonNode output = output(pair);
    assertThat(output.get("rows").longValue()).isEqualTo(rows);
    assertThat(output.get("argmax_agreeing_rows").longValue()).isEqualTo(agreeing);
    assertThat(output.get("argmax_agreement").doubleValue()).isEqualTo((double) agreeing / rows);
    assertThat(agreeing).as("the two versions must disagree somewhere").isLessThan(rows);
    assertThat(expectedMax).isPositive();
    assertThat(output.get("max_abs_diff").doubleValue()).isCloseTo(expectedMax, within(1e-7));
    assertThat(output.get("mean_max_abs_diff").doubleValue())
        .isCloseTo(sumOfMax / bodies.size(), within(1e-7));
  }

  private static org.assertj.core.data.Offset<Double> within(double offset) {
    return org.assertj.core.data.Offset.offset(offset);
  }

  private static int argMax(float[] values, int start) {
    int best = 0;
    for (int i = 1; i < 3; i++) {
      if (values[start + i] > values[start + best]) {
        best = i;
      }
    }
    return best;
  }

  @Test
  void grpcRequestsAreMirroredToo() throws IOException {
    identicalClassifier();
    start("classifier");
    shadow(SHADOW, "{\"version\": 1, \"percent\": 100}");
    var stub = GRPCInferenceServiceGrpc.newBlockingStub(server.channel());

    for (int i = 0; i < 25; i++) {
      ModelInferResponse response = stub.modelInfer(GrpcTestClient.classifierRequest(""));
      assertThat(response.getModelVersion()).isEqualTo("2");
      agreement(SHADOW, settled(i + 1));
    }

    JsonNode pair = agreement(SHADOW, settled(25));
    assertThat(pair.get("mirrored").longValue()).isEqualTo(25);
    assertThat(output(pair).get("argmax_agreement").doubleValue()).isEqualTo(1.0);
  }

  @Test
  void requestsNamingAVersionAreNotMirrored() throws IOException {
    identicalClassifier();
    start("classifier");
    shadow(SHADOW, "{\"version\": 1, \"percent\": 100}");
    String body = features(new float[][] {{1, 2, 3, 4}});

    var stub = GRPCInferenceServiceGrpc.newBlockingStub(server.channel());
    for (int i = 0; i < 20; i++) {
      infer("/v2/models/classifier/versions/2/infer", body);
      infer("/v2/models/classifier/versions/1/infer", body);
      assertThat(stub.modelInfer(GrpcTestClient.classifierRequest("2")).getModelVersion())
          .isEqualTo("2");
    }
    // The shadow pool runs in order: once these 5 are counted, earlier ones would be too.
    for (int i = 0; i < 5; i++) {
      infer("/v2/models/classifier/infer", body);
      agreement(SHADOW, settled(i + 1));
    }

    JsonNode pair = agreement(SHADOW, settled(5));
    assertThat(pair.get("mirrored").longValue()).isEqualTo(5);
  }

  @Test
  void requestsAnsweredByTheShadowVersionItselfAreNotMirrored() {
    classifier();
    start("classifier");
    shadow(SHADOW, "{\"version\": 2, \"percent\": 100}"); // 2 is the default version

    for (int i = 0; i < 10; i++) {
      infer("/v2/models/classifier/infer", features(new float[][] {{1, 2, 3, 4}}));
    }

    sleep(200);
    assertThat(http.get(SHADOW).json().get("agreement").isEmpty()).isTrue();
  }

  @Test
  void aShareOfRequestsIsMirrored() throws IOException {
    identicalClassifier();
    start("classifier");
    shadow(SHADOW, "{\"version\": 1, \"percent\": 25}");
    String body = features(new float[][] {{1, 2, 3, 4}});

    for (int i = 0; i < 800; i++) {
      infer("/v2/models/classifier/infer", body);
    }

    // 25% of 800 is 200, with a binomial sd of 12.2: 140..260 is about 5 sd either side. The
    // drawn requests are mirrored or, when the worker is starved, dropped: all are counted.
    JsonNode pair = agreement(SHADOW, settled(140));
    sleep(300);
    pair = agreement(SHADOW, settled(140));
    long drawn = pair.get("mirrored").longValue() + pair.get("dropped").longValue();
    assertThat(drawn).isBetween(140L, 260L);
    assertThat(pair.get("failed").longValue()).isZero();
  }

  /** A model of two slowSum versions (cost chosen per request) with a queue of one request. */
  private void slowModel(String name, byte[] versionOne) {
    try {
      Files.createDirectories(repo.resolve(name + "/1"));
      Files.createDirectories(repo.resolve(name + "/2"));
      Files.write(repo.resolve(name + "/1/model.onnx"), versionOne);
      Files.write(repo.resolve(name + "/2/model.onnx"), TinyOnnx.slowSum());
      Files.writeString(
          repo.resolve(name + "/config.yaml"),
          "max_batch_size: 0\n"
              + "input:\n  - {name: size, data_type: TYPE_INT64, dims: [2]}\n"
              + "output:\n  - {name: sum, data_type: TYPE_FP32, dims: [1, 1]}\n"
              + "instance_group: [{count: 1, kind: KIND_CPU}]\n"
              + "version_policy: {all: {}}\n"
              + "dynamic_batching: {default_queue_policy: {max_queue_size: 1}}\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sizeBody(long n) {
    return "{\"inputs\":[{\"name\":\"size\",\"shape\":[2],\"datatype\":\"INT64\",\"data\":["
        + n
        + ","
        + n
        + "]}]}";
  }

  private static ModelInferRequest sizeRequest(String model, String version, long n) {
    return ModelInferRequest.newBuilder()
        .setModelName(model)
        .setModelVersion(version)
        .addInputs(
            ModelInferRequest.InferInputTensor.newBuilder()
                .setName("size")
                .setDatatype("INT64")
                .addShape(2)
                .setContents(
                    org.modelserver.grpc.v2.InferTensorContents.newBuilder()
                        .addInt64Contents(n)
                        .addInt64Contents(n)))
        .build();
  }

  /** Waits until {@code count} requests of the model's version wait in its queue. */
  private void awaitPending(String model, String version, int count) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      PrometheusText metrics = PrometheusText.parse(http.get("/metrics").body());
      var pending =
          metrics.find(
              "nv_inference_pending_request_count", Map.of("model", model, "version", version));
      if (pending.isPresent() && pending.get().value() >= count) {
        return;
      }
      sleep(20);
    }
    throw new AssertionError(model + " version " + version + " never had " + count + " pending");
  }

  @Test
  void aFullShadowQueueDropsShadowWorkAndNoCallerNoticesIt() throws Exception {
    slowModel("slow", TinyOnnx.slowSum());
    start("slow");
    shadow("/v2/models/slow/shadow", "{\"version\": 1, \"percent\": 100}");
    // Version 1, the shadow, is kept busy by callers naming it: one request runs, one waits.
    var busyStub = GRPCInferenceServiceGrpc.newFutureStub(server.channel());
    var busy =
        new ArrayList<com.google.common.util.concurrent.ListenableFuture<ModelInferResponse>>();
    for (int i = 0; i < 2; i++) {
      busy.add(busyStub.modelInfer(sizeRequest("slow", "1", 3500)));
    }
    awaitPending("slow", "1", 1);
    int requests = 20;

    for (int i = 0; i < requests; i++) {
      JsonNode response = infer("/v2/models/slow/infer", sizeBody(2));
      assertThat(response.get("model_version").stringValue()).isEqualTo("2");
    }

    JsonNode pair = agreement("/v2/models/slow/shadow", settled(requests));
    assertThat(pair.get("dropped").longValue()).isEqualTo(requests);
    assertThat(pair.get("mirrored").longValue()).isZero();
    PrometheusText metrics = PrometheusText.parse(http.get("/metrics").body());
    assertThat(
            metrics.value(
                "nv_shadow_requests_total",
                Map.of(
                    "model", "slow", "version", "2", "shadow_version", "1", "outcome", "dropped")))
        .isEqualTo(requests);
    for (var future : busy) {
      future.get(120, TimeUnit.SECONDS);
    }
  }

  /**
   * A version with slowSum's signature that fails in the engine for every positive size: the sizes
   * are negated before ConstantOfShape.
   */
  private static byte[] failingOnEveryInput() {
    return TinyOnnx.model(
        List.of(
            TinyOnnx.node("Neg", List.of("size"), List.of("negative")),
            TinyOnnx.node("ConstantOfShape", List.of("negative"), List.of("zeros")),
            TinyOnnx.node("ReduceSum", List.of("zeros"), List.of("sum"))),
        List.of(TinyOnnx.tensorInfo("size", TinyOnnx.INT64, 2L)),
        List.of(TinyOnnx.tensorInfo("sum", TinyOnnx.FLOAT, 1L, 1L)));
  }

  @Test
  void aFailingShadowNeverFailsTheCaller() {
    slowModel("broken", failingOnEveryInput());
    start("broken");
    HttpTestClient.Reply direct = http.post("/v2/models/broken/versions/1/infer", sizeBody(2));
    assertThat(direct.status()).as("version 1 must fail on its own").isGreaterThanOrEqualTo(400);
    shadow("/v2/models/broken/shadow", "{\"version\": 1, \"percent\": 100}");

    for (int i = 0; i < 15; i++) {
      JsonNode response = infer("/v2/models/broken/infer", sizeBody(2));
      assertThat(response.get("model_version").stringValue()).isEqualTo("2");
      agreement("/v2/models/broken/shadow", settled(i + 1));
    }
    ModelInferResponse grpc =
        GRPCInferenceServiceGrpc.newBlockingStub(server.channel())
            .modelInfer(sizeRequest("broken", "", 2));
    assertThat(grpc.getModelVersion()).isEqualTo("2");

    JsonNode pair = agreement("/v2/models/broken/shadow", settled(16));
    assertThat(pair.get("failed").longValue()).isEqualTo(16);
    assertThat(pair.get("mirrored").longValue()).isZero();
  }

  @Test
  void theSettingSurvivesARestartAndDeleteStopsIt() throws IOException {
    identicalClassifier();
    start("classifier");
    shadow(SHADOW, "{\"version\": 1, \"percent\": 40}");
    server.close();
    server = null;
    assertThat(Files.readString(repo.resolve(".serving/classifier.json")))
        .contains("\"shadow\":{\"version\":\"1\",\"percent\":40}");

    start("classifier");

    JsonNode setting = http.get(SHADOW).json().get("shadow");
    assertThat(setting.get("version").stringValue()).isEqualTo("1");
    assertThat(setting.get("percent").intValue()).isEqualTo(40);

    HttpTestClient.Reply cleared = http.send(HttpRequest.newBuilder(http.uri(SHADOW)).DELETE());
    assertThat(cleared.status()).as(cleared.body()).isEqualTo(200);
    assertThat(cleared.json().get("shadow").isEmpty()).isTrue();
    assertThat(Files.exists(repo.resolve(".serving/classifier.json"))).isFalse();
    for (int i = 0; i < 20; i++) {
      infer("/v2/models/classifier/infer", features(new float[][] {{1, 2, 3, 4}}));
    }
    sleep(300);
    assertThat(http.get(SHADOW).json().get("agreement").isEmpty()).isTrue();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''                                           | 400 | must be a JSON object",
        "[1, 10]                                      | 400 | must be a JSON object",
        "{\"version\": 1                              | 400 | not valid JSON",
        "{}                                           | 400 | needs 'version'",
        "{\"version\": 1}                             | 400 | needs 'percent'",
        "{\"version\": 1, \"percent\": 0}             | 400 | from 1 to 100, got 0",
        "{\"version\": 1, \"percent\": 101}           | 400 | from 1 to 100, got 101",
        "{\"version\": 1, \"percent\": 12.5}          | 400 | from 1 to 100, got 12.5",
        "{\"version\": 0, \"percent\": 10}            | 400 | positive version number, got 0",
        "{\"version\": \"v1\", \"percent\": 10}       | 400 | model version 'v1' is not valid",
        "{\"version\": 1, \"percent\": 10, \"x\": 1}  | 400 | unknown shadow setting field(s) [x]",
        "{\"version\": 9, \"percent\": 10}            | 404 | has no loaded version 9 to shadow;"
            + " loaded versions are [1, 2]",
      })
  void badSettingsAreRefusedWithAReasonAndChangeNothing(String body, int status, String message) {
    classifier();
    start("classifier");
    shadow(SHADOW, "{\"version\": 1, \"percent\": 5}");

    HttpTestClient.Reply reply = put(SHADOW, body);

    assertThat(reply.status()).as(reply.body()).isEqualTo(status);
    assertThat(reply.error()).contains(message);
    assertThat(http.get(SHADOW).json().get("shadow").get("percent").intValue()).isEqualTo(5);
  }

  @Test
  void aModelThatIsNotLoadedHasNoShadow() {
    classifier();
    start("classifier");
    String body = "{\"version\": 1, \"percent\": 10}";
    assertThat(put("/v2/models/absent/shadow", body).status()).isEqualTo(404);
    assertThat(http.get("/v2/models/absent/shadow").status()).isEqualTo(404);
    assertThat(
            http.send(HttpRequest.newBuilder(http.uri("/v2/models/absent/shadow")).DELETE())
                .status())
        .isEqualTo(404);
  }
}
