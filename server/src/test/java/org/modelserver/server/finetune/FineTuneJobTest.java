package org.modelserver.server.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.runtime.testsupport.TrainFixtures.lineJsonl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.TestRepos;
import org.modelserver.server.durability.ServerProcess;
import tools.jackson.databind.JsonNode;

/**
 * The {@code finetune} command as ops run it: a JVM of its own on a copy of the example repository,
 * beside a serving replica in poll mode that picks its version up. A job that cannot run, fails or
 * is stopped exits non-zero and leaves the repository byte for byte as it was.
 */
class FineTuneJobTest {
  private static final String REGRESSOR = "regressor_torch";
  private static final String INFER_BODY =
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,1],\"datatype\":\"FP32\",\"data\":[0.5]}]}";

  @TempDir Path repo;
  @TempDir Path data;
  @TempDir Path scratch;

  @BeforeEach
  void fill() throws IOException {
    TestRepos.copyModel(REGRESSOR, repo);
    Files.writeString(data.resolve("line.jsonl"), lineJsonl(64, 1, 10, 3));
  }

  @Test
  void aPublishedVersionIsServedByAReplicaInPollMode() throws Exception {
    try (ServerProcess server = ServerProcess.startPolling(repo, scratch, 1)) {
      HttpTestClient http = server.http();
      assertThat(http.get("/v2/models/" + REGRESSOR + "/versions/1/ready").status()).isEqualTo(200);

      Finished job =
          finetune(
              spec(
                  "{\"dataset\": {\"format\": \"jsonl\", \"path\": \"line.jsonl\"},"
                      + " \"epochs\": 3, \"promote\": \"always\"}"));

      assertThat(job.exit()).as(job.toString()).isZero();
      assertThat(job.out())
          .contains("fine-tuning regressor_torch version 1: 64 samples")
          .contains("epoch 3/3  train_loss ")
          .contains("samples/s")
          .contains("published regressor_torch version 2 (now the default)");
      JsonNode manifest =
          HttpTestClient.JSON.readTree(repo.resolve(REGRESSOR + "/2/training.json").toFile());
      assertThat(manifest.get("parent").get("version").stringValue()).isEqualTo("1");
      assertThat(manifest.get("dataset").get("samples").asInt()).isEqualTo(64);
      assertThat(hiddenEntries()).isEmpty();

      awaitReady(server, "/v2/models/" + REGRESSOR + "/versions/2/ready");
      HttpTestClient.Reply answer = http.post("/v2/models/" + REGRESSOR + "/infer", INFER_BODY);
      assertThat(answer.status()).as(answer.body()).isEqualTo(200);
      assertThat(answer.json().get("model_version").stringValue()).isEqualTo("2");
    }
  }

  @Test
  void aVersionNotPromotedStaysOutOfTheDefaultOfAReplicaInPollMode() throws Exception {
    try (ServerProcess server = ServerProcess.startPolling(repo, scratch, 1)) {
      HttpTestClient http = server.http();

      Finished job =
          finetune(
              spec(
                  "{\"dataset\": {\"format\": \"jsonl\", \"path\": \"line.jsonl\"},"
                      + " \"epochs\": 2, \"promote\": \"never\"}"));

      assertThat(job.exit()).as(job.toString()).isZero();
      assertThat(job.out()).contains("published regressor_torch version 2 (held: not the default");
      awaitReady(server, "/v2/models/" + REGRESSOR + "/versions/2/ready");
      HttpTestClient.Reply answer = http.post("/v2/models/" + REGRESSOR + "/infer", INFER_BODY);
      assertThat(answer.status()).as(answer.body()).isEqualTo(200);
      assertThat(answer.json().get("model_version").stringValue()).isEqualTo("1");
      assertThat(http.post("/v2/models/" + REGRESSOR + "/versions/2/infer", INFER_BODY).status())
          .isEqualTo(200);
    }
  }

  @Test
  void aMissingDatasetExitsWith2AndChangesNothing() throws Exception {
    Map<String, String> before = snapshot(repo);

    Finished job =
        finetune(spec("{\"dataset\": {\"format\": \"jsonl\", \"path\": \"nope.jsonl\"}}"));

    assertThat(job.exit()).as(job.toString()).isEqualTo(2);
    assertThat(job.err()).contains("dataset.path 'nope.jsonl' does not exist");
    assertThat(snapshot(repo)).isEqualTo(before);
  }

  @Test
  void aSpecErrorExitsWith2AndChangesNothing() throws Exception {
    Map<String, String> before = snapshot(repo);

    Finished job =
        finetune(
            spec(
                "{\"epochs\": 0, \"dataset\": {\"format\": \"jsonl\", \"path\": \"line.jsonl\"}}"));

    assertThat(job.exit()).as(job.toString()).isEqualTo(2);
    assertThat(job.err()).contains("'epochs' must be an integer from 1 to");
    assertThat(snapshot(repo)).isEqualTo(before);
  }

  @Test
  void anUnknownModelExitsWith2AndChangesNothing() throws Exception {
    Map<String, String> before = snapshot(repo);

    Finished job =
        run(
            "--model-repository=" + repo,
            "--model=nope",
            "--spec=" + spec("{\"dataset\": {\"format\": \"jsonl\", \"path\": \"line.jsonl\"}}"));

    assertThat(job.exit()).as(job.toString()).isEqualTo(2);
    assertThat(job.err()).contains("model 'nope' is not in the model repository");
    assertThat(snapshot(repo)).isEqualTo(before);
  }

  @Test
  void aBadCommandLineExitsWith2() throws Exception {
    Finished job = run("--model-repository=" + repo, "--model=" + REGRESSOR);

    assertThat(job.exit()).as(job.toString()).isEqualTo(2);
    assertThat(job.err()).contains("--spec is required");
  }

  @Test
  void aJobThatFailsWhileTrainingExitsWith1AndChangesNothing() throws Exception {
    Map<String, String> before = snapshot(repo);

    Finished job =
        finetune(
            spec(
                "{\"freeze\": [\"nothing*\"],"
                    + " \"dataset\": {\"format\": \"jsonl\", \"path\": \"line.jsonl\"}}"));

    assertThat(job.exit()).as(job.toString()).isEqualTo(1);
    assertThat(job.out()).contains("job ");
    assertThat(job.err())
        .contains("the job failed: freeze pattern 'nothing*' matches no parameter")
        .contains("nothing was published");
    assertThat(snapshot(repo)).isEqualTo(before);
  }

  @Test
  void sigtermCancelsTheJobAndChangesNothing() throws Exception {
    Map<String, String> before = snapshot(repo);
    Path out = scratch.resolve("out.txt");
    Path err = scratch.resolve("err.txt");
    Process process =
        start(
            out,
            err,
            finetuneArgs(
                spec(
                    "{\"epochs\": 100000,"
                        + " \"dataset\": {\"format\": \"jsonl\", \"path\": \"line.jsonl\"}}")));
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (!Files.readString(out).contains("epoch 1/")) {
        assertThat(process.isAlive()).as("the job trains: %s", Files.readString(err)).isTrue();
        assertThat(System.nanoTime()).as("the job reaches its first epoch").isLessThan(deadline);
        Thread.sleep(50);
      }
      process.destroy();
      assertThat(process.waitFor(3, TimeUnit.MINUTES)).isTrue();
    } finally {
      process.destroyForcibly();
    }

    assertThat(process.exitValue()).isEqualTo(143);
    assertThat(Files.readString(err)).contains("stopped; nothing was published");
    assertThat(snapshot(repo)).isEqualTo(before);
  }

  /** What the command printed, and how it exited. */
  private record Finished(int exit, String out, String err) {}

  private Path spec(String json) throws IOException {
    Path file = Files.createTempFile(scratch, "job-", ".json");
    Files.writeString(file, json);
    return file;
  }

  private String[] finetuneArgs(Path spec) {
    return new String[] {
      "--model-repository=" + repo,
      "--model=" + REGRESSOR,
      "--spec=" + spec,
      "--training-data-dir=" + data
    };
  }

  private Finished finetune(Path spec) throws IOException, InterruptedException {
    return run(finetuneArgs(spec));
  }

  private Finished run(String... args) throws IOException, InterruptedException {
    Path out = Files.createTempFile(scratch, "out-", ".txt");
    Path err = Files.createTempFile(scratch, "err-", ".txt");
    Process process = start(out, err, args);
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("the job did not end within 5 minutes:\n" + Files.readString(err));
    }
    return new Finished(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static Process start(Path out, Path err, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ServerProcess.java());
    command.add("-Xmx1g");
    command.add("org.modelserver.server.ModelServerApplication");
    command.add("finetune");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("CLASSPATH", ServerProcess.testClassPath());
    return builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
  }

  private static void awaitReady(ServerProcess server, String path) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (server.http().get(path).status() != 200) {
      assertThat(System.nanoTime())
          .as("%s within 3 minutes:\n%s", path, server.output())
          .isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /** The repository's hidden entries (staging, training, serving decisions). */
  private List<String> hiddenEntries() throws IOException {
    try (Stream<Path> entries = Files.list(repo)) {
      return entries
          .map(path -> path.getFileName().toString())
          .filter(name -> name.startsWith("."))
          .toList();
    }
  }

  /** Every file and folder under {@code root}, with each file's SHA-256. */
  private static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> entries = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.toList()) {
        String name = root.relativize(path).toString();
        entries.put(name, Files.isDirectory(path) ? "folder" : sha256(Files.readAllBytes(path)));
      }
    }
    return entries;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
