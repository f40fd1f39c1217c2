package org.modelserver.server.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.runtime.testsupport.TrainFixtures.lineJsonl;
import static org.modelserver.server.training.TrainingServer.REGRESSOR;
import static org.modelserver.server.training.TrainingServer.settings;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.PrometheusText;
import tools.jackson.databind.JsonNode;

/** The jobs API on a real server: status, events, cancellation, uploads, metrics. */
class TrainingJobsApiTest {
  private static final String FINETUNE = "/v2/models/" + REGRESSOR + "/finetune";

  /** Enough steps (about a million) that a job is still training when the test cancels it. */
  private static final String LONG_JOB = "{\"epochs\": 5000, \"batch_size\": 1}";

  @TempDir Path repo;
  private TrainingServer server;

  @BeforeEach
  void start() {
    server = TrainingServer.withModels(repo, new String[] {REGRESSOR, "classifier"});
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void eventsArrivePerEpochAndEndWithTheFinalState() throws Exception {
    // The first job holds the only training slot, so the second is queued when the stream opens.
    String blocker = server.startJob(FINETUNE, settings(lineJsonl(64, 1, 10, 3), LONG_JOB));
    String id = server.startJob(FINETUNE, settings(lineJsonl(64, 2, 10, 3), "{\"epochs\": 4}"));
    EventStream stream = new EventStream(server.managementPort(), id);
    EventStream.Event first = stream.next();
    assertThat(first.name()).isEqualTo("state");
    assertThat(first.data().get("state").stringValue()).isEqualTo("queued");

    assertThat(server.http.post("/v2/training/jobs/" + blocker + "/cancel", "").status())
        .isIn(200, 202);
    List<EventStream.Event> events = stream.rest();

    assertThat(events)
        .extracting(EventStream.Event::name)
        .containsExactly("state", "epoch", "epoch", "epoch", "epoch", "state");
    assertThat(events.get(0).data().get("state").stringValue()).isEqualTo("running");
    for (int epoch = 1; epoch <= 4; epoch++) {
      JsonNode data = events.get(epoch).data();
      assertThat(data.get("epoch").intValue()).isEqualTo(epoch);
      assertThat(data.get("epochs").intValue()).isEqualTo(4);
      assertThat(data.get("train_loss").isNumber()).isTrue();
      assertThat(data.get("samples").intValue()).isEqualTo(64);
    }
    JsonNode last = events.get(5).data();
    assertThat(last.get("state").stringValue()).isEqualTo("succeeded");
    assertThat(last.get("output").get("version").stringValue()).isEqualTo("2");

    // A finished job's stream is its final state alone.
    List<EventStream.Event> again = new EventStream(server.managementPort(), id).rest();
    assertThat(again).hasSize(1);
    assertThat(again.get(0).data().get("state").stringValue()).isEqualTo("succeeded");
    assertThat(server.job(blocker).get("state").stringValue()).isEqualTo("cancelled");
  }

  @Test
  void jobStatusHasProgressSettingsAndDataset() {
    String data = lineJsonl(100, 3, 10, 3);
    String id =
        server.startJob(
            FINETUNE,
            settings(data, "{\"epochs\": 3, \"batch_size\": 25, \"validation_split\": 0.2}"));
    JsonNode job = server.awaitFinished(id);

    assertThat(job.get("job_id").stringValue()).isEqualTo(id);
    assertThat(job.get("model").stringValue()).isEqualTo(REGRESSOR);
    assertThat(job.get("version").stringValue()).isEqualTo("1");
    assertThat(job.get("state").stringValue()).isEqualTo("succeeded");
    assertThat(job.get("epoch").intValue()).isEqualTo(3);
    assertThat(job.get("step").intValue()).isEqualTo(4);
    assertThat(job.get("train_loss")).hasSize(3);
    assertThat(job.get("val_loss")).hasSize(3);
    assertThat(job.get("samples_trained").longValue()).isEqualTo(3 * 80);
    assertThat(job.get("samples_per_second").doubleValue()).isPositive();
    assertThat(job.get("elapsed_seconds").doubleValue()).isPositive();
    assertThat(job.get("promoted").booleanValue()).isFalse();
    assertThat(job.get("settings").get("loss").stringValue()).isEqualTo("mse");
    assertThat(job.get("settings").get("optimizer").get("type").stringValue()).isEqualTo("sgd");
    assertThat(job.get("settings").has("dataset")).isFalse();
    // auto, as it was chosen: no GPU on test hosts, or one libtorch's CPU natives cannot use.
    assertThat(job.get("settings").get("device").stringValue()).isEqualTo("cpu");
    assertThat(job.get("dataset").get("source").stringValue()).isEqualTo("inline");
    assertThat(job.get("dataset").get("samples").intValue()).isEqualTo(100);
    assertThat(job.get("dataset").get("bytes").longValue())
        .isEqualTo(data.getBytes(StandardCharsets.UTF_8).length);
    assertThat(job.has("error")).isFalse();

    JsonNode list = server.http.get("/v2/training/jobs").json();
    assertThat(list.get("jobs")).hasSize(1);
    assertThat(list.get("jobs").get(0).get("job_id").stringValue()).isEqualTo(id);
  }

  @Test
  void cancelStopsARunningJobAndLeavesNoVersion() throws Exception {
    String id = server.startJob(FINETUNE, settings(lineJsonl(200, 4, 10, 3), LONG_JOB));
    server.awaitTraining(id);
    // Serving goes on beside training.
    float[] y = server.infer("/v2/models/" + REGRESSOR + "/infer", "x", new float[][] {{2}});
    assertThat(y[0]).isEqualTo(0.5f * 2 - 1);

    HttpTestClient.Reply cancel = server.http.post("/v2/training/jobs/" + id + "/cancel", "");

    assertThat(cancel.status()).as(cancel.body()).isEqualTo(202);
    assertThat(cancel.json().get("cancel_requested").booleanValue()).isTrue();
    JsonNode job = server.awaitFinished(id);
    assertThat(job.get("state").stringValue()).isEqualTo("cancelled");
    assertThat(job.has("output")).isFalse();
    assertThat(versionFolders()).containsExactly("1");
    assertThat(leftovers()).isEmpty();
    HttpTestClient.Reply again = server.http.post("/v2/training/jobs/" + id + "/cancel", "");
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.error()).contains("has already finished (state cancelled)");
    assertThat(server.defaultVersion(REGRESSOR)).isEqualTo(1);
  }

  @Test
  void cancellingAQueuedJobIsImmediate() {
    String running = server.startJob(FINETUNE, settings(lineJsonl(64, 5, 10, 3), LONG_JOB));
    String queued = server.startJob(FINETUNE, settings(lineJsonl(64, 6, 10, 3), "{}"));
    assertThat(server.job(queued).get("state").stringValue()).isEqualTo("queued");

    HttpTestClient.Reply cancel = server.http.post("/v2/training/jobs/" + queued + "/cancel", "");

    assertThat(cancel.status()).as(cancel.body()).isEqualTo(200);
    assertThat(cancel.json().get("state").stringValue()).isEqualTo("cancelled");
    server.awaitTraining(running);
    assertThat(server.http.post("/v2/training/jobs/" + running + "/cancel", "").status())
        .isEqualTo(202);
    assertThat(server.awaitFinished(running).get("state").stringValue()).isEqualTo("cancelled");
    assertThat(server.job(queued).has("started")).isFalse();
    assertThat(versionFolders()).containsExactly("1");
  }

  @Test
  void aMultipartUploadCarriesTheDatasetFile() {
    StringBuilder csv = new StringBuilder("x,target\n");
    java.util.Random random = new java.util.Random(8);
    for (int i = 0; i < 256; i++) {
      float x = random.nextFloat() * 2 - 1;
      csv.append(x).append(',').append(10 * x + 3).append('\n');
    }
    byte[] body =
        multipart(
            "----training-boundary",
            new Part("settings", null, "{\"epochs\": 40, \"optimizer\": {\"lr\": 0.1}}"),
            new Part("dataset", "line.csv", csv.toString()));
    HttpTestClient.Reply reply =
        server.http.send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + server.managementPort() + FINETUNE))
                .header("Content-Type", "multipart/form-data; boundary=----training-boundary")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    assertThat(reply.status()).as(reply.body()).isEqualTo(202);

    JsonNode job = server.awaitFinished(reply.json().get("job_id").stringValue());

    assertThat(job.get("state").stringValue()).as(job.toString()).isEqualTo("succeeded");
    assertThat(job.get("dataset").get("source").stringValue()).isEqualTo("upload");
    assertThat(job.get("dataset").get("format").stringValue()).isEqualTo("csv");
    assertThat(job.get("dataset").get("name").stringValue()).isEqualTo("line.csv");
    float[] y =
        server.infer("/v2/models/" + REGRESSOR + "/versions/2/infer", "x", new float[][] {{2}});
    assertThat(y[0]).isCloseTo(23f, org.assertj.core.data.Offset.offset(0.01f));
  }

  @Test
  void aDatasetPathIsReadFromTheDataFolderOnly(@TempDir Path data) throws Exception {
    server.close();
    Files.writeString(data.resolve("line.jsonl"), lineJsonl(64, 9, 10, 3));
    server = TrainingServer.start(repo, "--training-data-dir=" + data);

    String id =
        server.startJob(
            FINETUNE,
            HttpTestClient.JSON.readTree(
                "{\"dataset\": {\"format\": \"jsonl\", \"path\": \"line.jsonl\"}, \"epochs\": 1}"));
    JsonNode job = server.awaitFinished(id);
    assertThat(job.get("state").stringValue()).isEqualTo("succeeded");
    assertThat(job.get("dataset").get("name").stringValue()).isEqualTo("line.jsonl");

    HttpTestClient.Reply escape =
        server.http.post(
            FINETUNE, "{\"dataset\": {\"format\": \"jsonl\", \"path\": \"../line.jsonl\"}}");
    assertThat(escape.status()).isEqualTo(400);
    assertThat(escape.error()).contains("'..'");
  }

  @Test
  void metricsShowJobsByStateSamplesAndLoss() {
    server.awaitFinished(
        server.startJob(FINETUNE, settings(lineJsonl(50, 10, 10, 3), "{\"epochs\": 2}")));

    PrometheusText metrics = PrometheusText.parse(server.http.get("/metrics").body());

    assertThat(metrics.value("training_jobs", Map.of("state", "succeeded"))).isEqualTo(1);
    assertThat(metrics.value("training_jobs", Map.of("state", "running"))).isZero();
    assertThat(metrics.value("training_jobs", Map.of("state", "queued"))).isZero();
    assertThat(metrics.value("training_samples_total", Map.of())).isEqualTo(100);
    assertThat(metrics.types())
        .containsEntry("training_jobs", "gauge")
        .containsEntry("training_samples_total", "counter")
        .containsEntry("training_loss", "gauge");
    assertThat(metrics.samples("training_loss")).hasSize(1);
  }

  @Test
  void unknownJobsAre404() {
    for (String path :
        List.of(
            "/v2/training/jobs/0123456789abcdef01234567",
            "/v2/training/jobs/nope",
            "/v2/training/jobs/0123456789abcdef01234567/events")) {
      HttpTestClient.Reply reply = server.http.get(path);
      assertThat(reply.status()).as(path).isEqualTo(404);
      assertThat(reply.error()).contains("no training job");
    }
    HttpTestClient.Reply cancel =
        server.http.post("/v2/training/jobs/0123456789abcdef01234567/cancel", "");
    assertThat(cancel.status()).isEqualTo(404);
  }

  private List<String> versionFolders() {
    try (Stream<Path> children = Files.list(repo.resolve(REGRESSOR))) {
      return children
          .filter(Files::isDirectory)
          .map(path -> path.getFileName().toString())
          .sorted()
          .toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Anything left in the training folder's work area or the repository's staging area. */
  private List<Path> leftovers() throws Exception {
    List<Path> found = new ArrayList<>();
    for (Path dir : List.of(repo.resolve(".training/work"), repo.resolve(".staging"))) {
      if (Files.isDirectory(dir)) {
        try (Stream<Path> children = Files.list(dir)) {
          children.forEach(found::add);
        }
      }
    }
    return found;
  }

  private record Part(String name, String filename, String content) {}

  private static byte[] multipart(String boundary, Part... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Part part : parts) {
      String header =
          "--"
              + boundary
              + "\r\nContent-Disposition: form-data; name=\""
              + part.name()
              + "\""
              + (part.filename() == null ? "" : "; filename=\"" + part.filename() + "\"")
              + "\r\nContent-Type: "
              + (part.filename() == null ? "application/json" : "text/csv")
              + "\r\n\r\n";
      out.writeBytes(header.getBytes(StandardCharsets.UTF_8));
      out.writeBytes(part.content().getBytes(StandardCharsets.UTF_8));
      out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }
    out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }
}
