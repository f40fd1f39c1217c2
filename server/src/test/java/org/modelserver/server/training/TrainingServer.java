package org.modelserver.server.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.modelserver.runtime.testsupport.TrainFixtures;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.TestRepos;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** A real server on a copy of the example models, and what the training tests do with it. */
final class TrainingServer implements AutoCloseable {
  static final String REGRESSOR = "regressor_torch";
  static final String CLASSIFIER = "binary_classifier_torch";

  final Path repo;
  final ConfigurableApplicationContext context;
  final HttpTestClient http;

  private TrainingServer(Path repo, ConfigurableApplicationContext context) {
    this.repo = repo;
    this.context = context;
    this.http = TestRepos.client(context);
  }

  /** Starts a server on {@code repo} (which the caller filled) with extra options. */
  static TrainingServer start(Path repo, String... options) {
    String[] args = new String[options.length + 1];
    args[0] = "--model-repository=" + repo;
    System.arraycopy(options, 0, args, 1, options.length);
    return new TrainingServer(repo, TestRepos.start(args));
  }

  /** Copies the example models into {@code repo} and starts a server on them. */
  static TrainingServer withModels(Path repo, String[] models, String... options) {
    for (String model : models) {
      TestRepos.copyModel(model, repo);
    }
    return start(repo, options);
  }

  int port() {
    return TestRepos.port(context);
  }

  /** The loopback management listener's port, where management needs no token. */
  int managementPort() {
    return TestRepos.managementPort(context);
  }

  @Override
  public void close() {
    context.close();
  }

  /** POSTs settings to {@code path} (a finetune URL) and expects 202; returns the job id. */
  String startJob(String path, JsonNode settings) {
    HttpTestClient.Reply reply = http.post(path, settings);
    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    String id = reply.json().get("job_id").stringValue();
    assertThat(reply.json().get("status_url").stringValue()).isEqualTo("/v2/training/jobs/" + id);
    return id;
  }

  JsonNode job(String id) {
    HttpTestClient.Reply reply = http.get("/v2/training/jobs/" + id);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    return reply.json();
  }

  /** Waits, with a generous deadline, until the job has a final state; returns the job. */
  JsonNode awaitFinished(String id) {
    return awaitJob(id, "a final state", job -> job.has("finished"));
  }

  /** Waits, with a generous deadline, until the job has finished at least one epoch. */
  JsonNode awaitTraining(String id) {
    return awaitJob(id, "a finished epoch", job -> job.get("train_loss").size() > 0);
  }

  private JsonNode awaitJob(String id, String what, java.util.function.Predicate<JsonNode> done) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    JsonNode job = job(id);
    while (!done.test(job)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("job " + id + " did not reach " + what + ": " + job);
      }
      sleep(20);
      job = job(id);
    }
    return job;
  }

  /** Runs a job to the end and expects it to succeed; returns the new version. */
  long train(String path, JsonNode settings) {
    JsonNode job = awaitFinished(startJob(path, settings));
    assertThat(job.get("state").stringValue()).as(job.toString()).isEqualTo("succeeded");
    return Long.parseLong(job.get("output").get("version").stringValue());
  }

  /** The model's default version, as the management API reports it. */
  long defaultVersion(String model) {
    HttpTestClient.Reply reply = http.get("/v2/models/" + model + "/default");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    return Long.parseLong(reply.json().get("version").stringValue());
  }

  /** One FP32 input of {@code width} values per row through the infer API; the first output. */
  float[] infer(String url, String input, float[][] rows) {
    ObjectNode body = HttpTestClient.JSON.createObjectNode();
    ObjectNode tensor = body.putArray("inputs").addObject();
    tensor.put("name", input).put("datatype", "FP32");
    tensor.putArray("shape").add(rows.length).add(rows[0].length);
    var data = tensor.putArray("data");
    for (float[] row : rows) {
      for (float value : row) {
        data.add(value);
      }
    }
    HttpTestClient.Reply reply = http.post(url, body);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    JsonNode values = reply.json().get("outputs").get(0).get("data");
    float[] result = new float[values.size()];
    for (int i = 0; i < result.length; i++) {
      result[i] = values.get(i).floatValue();
    }
    return result;
  }

  /** A version's parameters by name, read from its model.pt with DJL (libtorch runs here). */
  Map<String, float[]> parameters(String model, long version) {
    return TrainFixtures.parameters(
        repo.resolve(model).resolve(Long.toString(version)).resolve("model.pt"));
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** JSON settings around an inline JSONL dataset; {@code rest} is more fields as JSON. */
  static ObjectNode settings(String jsonl, String rest) {
    ObjectNode settings = (ObjectNode) HttpTestClient.JSON.readTree(rest);
    settings.putObject("dataset").put("format", "jsonl").put("data", jsonl);
    return settings;
  }
}
