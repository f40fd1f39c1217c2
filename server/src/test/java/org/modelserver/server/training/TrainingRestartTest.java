package org.modelserver.server.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.runtime.testsupport.TrainFixtures.lineJsonl;
import static org.modelserver.server.training.TrainingServer.REGRESSOR;
import static org.modelserver.server.training.TrainingServer.settings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.server.TestRepos;
import tools.jackson.databind.JsonNode;

/**
 * Jobs across a restart: their records stay, and a job that was queued or running when the server
 * stopped is failed as interrupted, with nothing of it in the repository.
 */
class TrainingRestartTest {
  private static final String FINETUNE = "/v2/models/" + REGRESSOR + "/finetune";
  private static final String LONG_JOB = "{\"epochs\": 5000, \"batch_size\": 1}";

  @TempDir Path repo;

  @Test
  void stoppingTheServerWhileAJobRunsFailsItAsInterrupted() throws Exception {
    TestRepos.copyModel(REGRESSOR, repo);
    String finished;
    String running;
    String queued;
    EventStream stream;
    try (TrainingServer server = TrainingServer.start(repo)) {
      finished = server.startJob(FINETUNE, settings(lineJsonl(32, 1, 10, 3), "{\"epochs\": 1}"));
      server.awaitFinished(finished);
      running = server.startJob(FINETUNE, settings(lineJsonl(200, 2, 10, 3), LONG_JOB));
      queued = server.startJob(FINETUNE, settings(lineJsonl(32, 3, 10, 3), "{}"));
      server.awaitTraining(running);
      stream = new EventStream(server.managementPort(), running);
      assertThat(stream.next().data().get("state").stringValue()).isEqualTo("running");
    }
    // Stopping ended the open stream rather than waiting for the job.
    assertThat(stream.rest()).extracting(EventStream.Event::name).doesNotContain("state");

    try (TrainingServer server = TrainingServer.start(repo)) {
      for (String id : new String[] {running, queued}) {
        JsonNode job = server.job(id);
        assertThat(job.get("state").stringValue()).as(job.toString()).isEqualTo("failed");
        assertThat(job.get("error").stringValue()).startsWith("interrupted");
        assertThat(job.has("output")).isFalse();
      }
      assertThat(server.job(finished).get("state").stringValue()).isEqualTo("succeeded");
      assertThat(server.http.get("/v2/training/jobs").json().get("jobs")).hasSize(3);
      assertThat(versionFolders()).containsExactly("1", "2");
    }
  }

  @Test
  void aRecordLeftRunningByACrashIsFailedAsInterruptedAtTheNextStart() throws Exception {
    TestRepos.copyModel(REGRESSOR, repo);
    String id;
    JsonNode runningRecord;
    try (TrainingServer server = TrainingServer.start(repo)) {
      id = server.startJob(FINETUNE, settings(lineJsonl(200, 4, 10, 3), LONG_JOB));
      runningRecord = server.awaitTraining(id);
      assertThat(server.http.post("/v2/training/jobs/" + id + "/cancel", "").status())
          .isEqualTo(202);
      server.awaitFinished(id);
    }
    // What a killed server leaves behind: the record still says running, its files are there.
    Path training = repo.resolve(".training");
    Files.writeString(training.resolve("jobs/" + id + ".json"), runningRecord.toString());
    Files.createDirectories(training.resolve("work/" + id + "/out"));
    Files.writeString(training.resolve("work/" + id + "/out/model.pt"), "half-written");
    assertThat(runningRecord.get("state").stringValue()).isEqualTo("running");

    try (TrainingServer server = TrainingServer.start(repo)) {
      JsonNode job = server.job(id);
      assertThat(job.get("state").stringValue()).isEqualTo("failed");
      assertThat(job.get("error").stringValue())
          .isEqualTo("interrupted: the server stopped while the job was running");
      assertThat(job.get("train_loss").size()).isPositive();
      assertThat(training.resolve("work/" + id)).doesNotExist();
      assertThat(versionFolders()).containsExactly("1");
      assertThat(Files.readString(training.resolve("jobs/" + id + ".json")))
          .contains("\"state\":\"failed\"");
    }
  }

  private Stream<String> versionFolderStream() throws java.io.IOException {
    return Files.list(repo.resolve(REGRESSOR))
        .filter(Files::isDirectory)
        .map(path -> path.getFileName().toString())
        .sorted();
  }

  private java.util.List<String> versionFolders() {
    try (Stream<String> folders = versionFolderStream()) {
      return folders.toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
