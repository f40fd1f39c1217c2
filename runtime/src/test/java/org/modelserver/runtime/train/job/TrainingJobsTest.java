package org.modelserver.runtime.train.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.modelserver.runtime.testsupport.TrainFixtures.REGRESSOR;
import static org.modelserver.runtime.testsupport.TrainFixtures.linearJsonl;
import static org.modelserver.runtime.testsupport.TrainFixtures.settings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.config.ModelConfigParser;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.testsupport.TestRepos;
import org.modelserver.runtime.testsupport.TrainFixtures;
import org.modelserver.runtime.train.data.TrainingData;
import org.modelserver.runtime.train.job.JobRecord.DatasetSummary;
import org.modelserver.runtime.train.spec.DatasetFormat;
import org.modelserver.runtime.train.spec.TrainingSpec;
import org.modelserver.runtime.train.torch.EpochMetrics;
import org.modelserver.runtime.train.torch.FineTuner;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The job manager on real libtorch, with a publisher that keeps what it is handed. */
class TrainingJobsTest {
  private static final String LINE = ", \"optimizer\": {\"type\": \"sgd\", \"lr\": 0.1}";

  @TempDir Path trainingDir;

  private final Publisher publisher = new Publisher();
  private TrainingJobs jobs;

  @AfterEach
  void close() {
    publisher.release.countDown();
    if (jobs != null) {
      jobs.close();
    }
  }

  private TrainingJobs start(int maxRunning, int maxQueued) {
    jobs =
        new TrainingJobs(
            new TrainingJobs.Options(trainingDir, maxRunning, maxQueued, 60),
            new FineTuner(TrainFixtures.engine()),
            publisher,
            Clock.systemUTC());
    jobs.start();
    return jobs;
  }

  /** A plan for the example regressor on {@code samples} points of y = 10x + 3. */
  private static JobPlan plan(int samples, String rest) {
    TrainingSpec spec =
        TrainFixtures.spec(REGRESSOR, settings("jsonl", linearJsonl(samples, 1), rest));
    TrainingData data = TrainFixtures.data(REGRESSOR, spec);
    return new JobPlan(
        REGRESSOR,
        1,
        TrainFixtures.config(REGRESSOR),
        TrainFixtures.modelFile(REGRESSOR),
        ModelConfigParser.configFile(TestRepos.modelDir(REGRESSOR)),
        spec,
        data,
        new DatasetSummary(DatasetFormat.JSONL, "inline", Optional.empty(), data.sha256(), 1, 1));
  }

  /** Waits, with a generous deadline, for a job to reach a final state. */
  private JobRecord awaitFinished(String id) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      JobRecord job = jobs.get(id);
      if (job.state().isFinished()) {
        return job;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("job " + id + " did not finish: " + jobs.get(id));
  }

  @Test
  void jobTrainsPublishesItsFilesAndSucceeds() throws Exception {
    start(1, 4);
    JobRecord queued = jobs.submit(plan(256, LINE + ", \"epochs\": 20, \"seed\": 5"));
    assertThat(queued.state()).isIn(JobState.QUEUED, JobState.RUNNING);
    assertThat(queued.id()).matches("[0-9a-f]{24}");

    JobRecord done = awaitFinished(queued.id());

    assertThat(done.state()).as(done.toString()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.outcome().outputVersion()).contains(7L);
    assertThat(done.outcome().promoted()).isFalse();
    assertThat(done.progress().epoch()).isEqualTo(20);
    assertThat(done.progress().trainLoss()).hasSize(20);
    assertThat(done.progress().samplesTrained()).isEqualTo(20 * 256);
    assertThat(done.progress().samplesPerSecond()).isPositive();
    assertThat(done.outcome().trainedParameters()).containsExactly("weight", "bias");
    assertThat(done.started()).isPresent();
    assertThat(done.finished()).isPresent();
    assertThat(publisher.files.keySet())
        .containsExactly("config.yaml", "model.pt", "training.json");
    assertThat(publisher.promote).containsExactly(false);
    JsonNode manifest = JsonMapper.builder().build().readTree(publisher.files.get("training.json"));
    assertThat(manifest.get("parent").get("model").stringValue()).isEqualTo(REGRESSOR);
    assertThat(manifest.get("parent").get("version").stringValue()).isEqualTo("1");
    assertThat(manifest.get("dataset").get("sha256").stringValue()).hasSize(64);
    assertThat(manifest.get("settings").get("seed").longValue()).isEqualTo(5);
    assertThat(manifest.get("settings").get("epochs").intValue()).isEqualTo(20);
    assertThat(manifest.get("metrics").get("train_loss")).hasSize(20);
    assertThat(manifest.get("parameters").get("trained")).hasSize(2);
    assertThat(new String(publisher.files.get("config.yaml")))
        .isEqualTo(Files.readString(TestRepos.modelDir(REGRESSOR).resolve("config.yaml")));
    assertThat(workFolders()).isEmpty();
    assertThat(jobs.samplesTrained()).isEqualTo(20 * 256);
    assertThat(jobs.countByState()).containsEntry(JobState.SUCCEEDED, 1L);
  }

  @Test
  void ifBetterPromotesAVersionThatBeatsTheBase() throws Exception {
    start(1, 4);
    String rest = LINE + ", \"epochs\": 10, \"validation_split\": 0.25, \"promote\": \"if_better\"";
    JobRecord done = awaitFinished(jobs.submit(plan(128, rest)).id());

    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.outcome().promoted()).isTrue();
    assertThat(publisher.promote).containsExactly(true);
    assertThat(done.outcome().baseValidationLoss())
        .isGreaterThan(done.progress().validationLoss().get(9));
  }

  @Test
  void listenersHearEveryEpochThenTheFinalState() throws Exception {
    start(1, 4);
    publisher.block();
    JobRecord job = jobs.submit(plan(64, ", \"epochs\": 3"));
    List<String> heard = new CopyOnWriteArrayList<>();
    JobSubscription subscription =
        jobs.subscribe(
            job.id(),
            new JobListener() {
              @Override
              public void onEpoch(JobRecord record, EpochMetrics metrics) {
                heard.add("epoch " + metrics.epoch());
              }

              @Override
              public void onStateChange(JobRecord record) {
                heard.add(record.state().configName());
              }
            });
    // The job may already be running, even past some epochs, when the subscription starts: the
    // listener hears everything after its snapshot, in order, and nothing twice.
    JobRecord snapshot = subscription.snapshot();
    publisher.release.countDown();
    awaitFinished(job.id());

    List<String> expected = new java.util.ArrayList<>();
    if (snapshot.state() == JobState.QUEUED) {
      expected.add("running");
    }
    // progress().epoch() is the epoch under way; the finished ones are those with a loss.
    for (int epoch = snapshot.progress().trainLoss().size() + 1; epoch <= 3; epoch++) {
      expected.add("epoch " + epoch);
    }
    expected.add("succeeded");
    assertThat(heard).containsExactlyElementsOf(expected);
    assertThat(jobs.subscribe(job.id(), new JobListener() {}).snapshot().state())
        .isEqualTo(JobState.SUCCEEDED);
  }

  @Test
  void cancellingAQueuedJobIsImmediateAndItNeverRuns() throws Exception {
    start(1, 4);
    publisher.block();
    JobRecord first = jobs.submit(plan(32, ", \"epochs\": 1"));
    JobRecord second = jobs.submit(plan(32, ", \"epochs\": 1"));
    assertThat(second.state()).isEqualTo(JobState.QUEUED);

    JobRecord cancelled = jobs.cancel(second.id());

    assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED);
    publisher.release.countDown();
    assertThat(awaitFinished(first.id()).state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(jobs.get(second.id()).state()).isEqualTo(JobState.CANCELLED);
    assertThat(jobs.get(second.id()).started()).isEmpty();
    assertThat(publisher.promote).hasSize(1);
    assertThatThrownBy(() -> jobs.cancel(second.id()))
        .isInstanceOfSatisfying(
            ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT))
        .hasMessageContaining("has already finished (state cancelled)");
  }

  @Test
  void cancellingARunningJobStopsItAndPublishesNothing() throws Exception {
    start(1, 4);
    JobRecord job = jobs.submit(plan(64, ", \"epochs\": 1000, \"batch_size\": 8"));
    // Cancels from inside the job, after its second epoch: no race with the training thread.
    jobs.subscribe(
        job.id(),
        new JobListener() {
          @Override
          public void onEpoch(JobRecord record, EpochMetrics metrics) {
            if (metrics.epoch() == 2) {
              assertThat(jobs.cancel(record.id()).cancelRequested()).isTrue();
            }
          }
        });

    JobRecord done = awaitFinished(job.id());

    assertThat(done.state()).isEqualTo(JobState.CANCELLED);
    assertThat(done.progress().trainLoss()).hasSize(2);
    assertThat(done.outcome().outputVersion()).isEmpty();
    assertThat(publisher.promote).isEmpty();
    assertThat(workFolders()).isEmpty();
  }

  @Test
  void aFullQueueRefusesNewJobs() {
    start(1, 1);
    publisher.block();
    jobs.submit(plan(32, ", \"epochs\": 1"));
    awaitRunning();
    jobs.submit(plan(32, ", \"epochs\": 1"));

    assertThatThrownBy(() -> jobs.submit(plan(32, ", \"epochs\": 1")))
        .isInstanceOfSatisfying(
            ServingException.class,
            e -> assertThat(e.kind()).isEqualTo(ErrorKind.CAPACITY_EXCEEDED))
        .hasMessageContaining("max-queued-training-jobs");
    assertThat(jobs.list()).hasSize(2);
  }

  private void awaitRunning() {
    try {
      assertThat(publisher.entered.await(2, TimeUnit.MINUTES)).isTrue();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aFailedPublishFailsTheJobWithTheReason() throws Exception {
    start(1, 4);
    publisher.failWith = ServingException.invalidArgument("version 2 failed to load: broken");

    JobRecord done = awaitFinished(jobs.submit(plan(32, ", \"epochs\": 1")).id());

    assertThat(done.state()).isEqualTo(JobState.FAILED);
    assertThat(done.outcome().error()).contains("version 2 failed to load: broken");
    assertThat(workFolders()).isEmpty();
  }

  @Test
  void aTrainingErrorFailsTheJob() throws Exception {
    start(1, 4);
    String diverging = ", \"optimizer\": {\"type\": \"sgd\", \"lr\": 1e30}, \"epochs\": 5";

    JobRecord done = awaitFinished(jobs.submit(plan(32, diverging)).id());

    assertThat(done.state()).isEqualTo(JobState.FAILED);
    assertThat(done.outcome().error().orElseThrow()).contains("loss became");
    assertThat(publisher.promote).isEmpty();
  }

  @Test
  void recordsSurviveARestartAndUnfinishedJobsBecomeInterrupted() throws Exception {
    start(1, 4);
    JobRecord finished = awaitFinished(jobs.submit(plan(32, ", \"epochs\": 1")).id());
    publisher.block();
    JobRecord running = jobs.submit(plan(32, ", \"epochs\": 1"));
    awaitRunning();
    // What a crash leaves: the record says running, the work folder is still there.
    JsonNode runningRecord = JobJson.of(jobs.get(running.id()));
    Files.createDirectories(trainingDir.resolve("work/" + running.id() + "/out"));
    publisher.release.countDown();
    awaitFinished(running.id());
    jobs.close();
    Files.writeString(
        trainingDir.resolve("jobs/" + running.id() + ".json"), runningRecord.toString());
    Files.createDirectories(trainingDir.resolve("work/" + running.id() + "/out"));

    start(1, 4);

    JobRecord interrupted = jobs.get(running.id());
    assertThat(interrupted.state()).isEqualTo(JobState.FAILED);
    assertThat(interrupted.outcome().error().orElseThrow()).startsWith("interrupted");
    assertThat(interrupted.finished()).isPresent();
    assertThat(JobJson.of(jobs.get(finished.id())).toString())
        .isEqualTo(JobJson.of(finished).toString());
    assertThat(jobs.list()).extracting(JobRecord::id).contains(finished.id(), running.id());
    assertThat(workFolders()).isEmpty();
    assertThat(Files.readString(trainingDir.resolve("jobs/" + running.id() + ".json")))
        .contains("\"failed\"");
  }

  @Test
  void aJobKilledAfterItsVersionWasCommittedIsSucceededAtTheNextStart() throws Exception {
    start(1, 4);
    JobRecord finished = awaitFinished(jobs.submit(plan(32, ", \"epochs\": 1")).id());
    jobs.close();
    // What a kill between the commit of the version and the job's record leaves: the record still
    // says running, and the repository has a version whose training.json names the job.
    tools.jackson.databind.node.ObjectNode record = JobJson.of(finished);
    record.put("state", "running");
    record.remove("finished");
    record.remove("output");
    Files.writeString(trainingDir.resolve("jobs/" + finished.id() + ".json"), record.toString());
    Path version = Files.createDirectories(trainingDir.resolve("repo/regressor/8"));
    Files.write(version.resolve("training.json"), publisher.files.get("training.json"));
    publisher.folders.put(3L, Files.createDirectories(trainingDir.resolve("repo/regressor/3")));
    publisher.folders.put(8L, version);

    start(1, 4);

    JobRecord restored = jobs.get(finished.id());
    assertThat(restored.state()).as(restored.toString()).isEqualTo(JobState.SUCCEEDED);
    assertThat(restored.outcome().outputVersion()).contains(8L);
    assertThat(restored.outcome().promoted()).isFalse();
    assertThat(Files.readString(trainingDir.resolve("jobs/" + finished.id() + ".json")))
        .contains("\"succeeded\"");
  }

  @Test
  void recordsOfOldFinishedJobsArePrunedAtStartToTheNewest() throws Exception {
    start(1, 4);
    JobRecord finished = awaitFinished(jobs.submit(plan(32, ", \"epochs\": 1")).id());
    jobs.close();
    tools.jackson.databind.node.ObjectNode record = JobJson.of(finished);
    java.time.Instant base = java.time.Instant.parse("2026-01-01T00:00:00Z");
    int extra = TrainingJobs.KEPT_RECORDS + 4;
    for (int i = 0; i < extra; i++) {
      String id = String.format("%024x", i + 1);
      record.put("job_id", id);
      record.put("finished", base.plusSeconds(i).toString());
      Files.writeString(trainingDir.resolve("jobs/" + id + ".json"), record.toString());
    }

    start(1, 4);

    // The oldest by finish time go: the five copies (and the real job, finished now) are kept.
    assertThat(jobs.list()).hasSize(TrainingJobs.KEPT_RECORDS);
    try (var files = Files.list(trainingDir.resolve("jobs"))) {
      assertThat(files.count()).isEqualTo(TrainingJobs.KEPT_RECORDS);
    }
    assertThat(trainingDir.resolve("jobs/" + String.format("%024x", 1) + ".json")).doesNotExist();
    assertThat(jobs.get(finished.id()).state()).isEqualTo(JobState.SUCCEEDED);
  }

  @Test
  void stoppingTheServerInterruptsQueuedAndRunningJobs() throws Exception {
    start(1, 4);
    JobRecord running = jobs.submit(plan(64, ", \"epochs\": 100000, \"batch_size\": 8"));
    JobRecord queued = jobs.submit(plan(32, ", \"epochs\": 1"));
    CountDownLatch training = new CountDownLatch(1);
    jobs.subscribe(
        running.id(),
        new JobListener() {
          @Override
          public void onEpoch(JobRecord record, EpochMetrics metrics) {
            training.countDown();
          }
        });
    assertThat(training.await(2, TimeUnit.MINUTES)).isTrue();

    jobs.close();

    for (String id : List.of(running.id(), queued.id())) {
      JobRecord job = jobs.get(id);
      assertThat(job.state()).isEqualTo(JobState.FAILED);
      assertThat(job.outcome().error().orElseThrow()).startsWith("interrupted");
    }
    assertThat(publisher.promote).isEmpty();
    assertThatThrownBy(() -> jobs.submit(plan(8, "")))
        .isInstanceOfSatisfying(
            ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE));
  }

  @Test
  void aTrainingFolderThatCannotBeCreatedRefusesJobsOnly() throws Exception {
    Path file = Files.writeString(trainingDir.resolve("not-a-folder"), "x");
    jobs =
        new TrainingJobs(
            new TrainingJobs.Options(file.resolve("training"), 1, 4, 60),
            new FineTuner(TrainFixtures.engine()),
            publisher,
            Clock.systemUTC());
    jobs.start();

    assertThat(jobs.list()).isEmpty();
    assertThatThrownBy(() -> jobs.submit(plan(8, "")))
        .isInstanceOfSatisfying(
            ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE))
        .hasMessageContaining("--training-dir");
  }

  @Test
  void unknownIdsAreNotFound() {
    start(1, 4);
    for (String id : List.of("0123456789abcdef01234567", "../../etc/passwd", "")) {
      assertThatThrownBy(() -> jobs.get(id))
          .isInstanceOfSatisfying(
              ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
    }
  }

  @Test
  void recordJsonReadsBackAsTheSameRecord() throws Exception {
    start(1, 4);
    JobRecord done =
        awaitFinished(
            jobs.submit(
                    plan(40, ", \"epochs\": 2, \"validation_split\": 0.25, \"freeze\": [\"bias\"]"))
                .id());

    assertThat(JobJson.of(JobJson.read(JobJson.of(done))).toString())
        .isEqualTo(JobJson.of(done).toString());
    assertThat(done.outcome().frozenParameters()).containsExactly("bias");
  }

  private List<Path> workFolders() throws IOException {
    Path work = trainingDir.resolve("work");
    if (!Files.exists(work)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(work)) {
      return children.toList();
    }
  }

  /** Keeps the bytes of what it is asked to publish; can hold a job in publishing. */
  private static final class Publisher implements VersionPublisher {
    final Map<String, byte[]> files = new TreeMap<>();
    final List<Boolean> promote = new CopyOnWriteArrayList<>();
    final CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(0);
    volatile ServingException failWith;

    void block() {
      release = new CountDownLatch(1);
    }

    @Override
    public long publish(String model, Map<String, Path> published, boolean promoteIt) {
      entered.countDown();
      try {
        if (!release.await(2, TimeUnit.MINUTES)) {
          throw new AssertionError("the test never released the publisher");
        }
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      if (failWith != null) {
        throw failWith;
      }
      synchronized (files) {
        published.forEach(
            (name, file) -> {
              try {
                files.put(name, Files.readAllBytes(file));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
      }
      promote.add(promoteIt);
      return 7;
    }

    /** Version folders as a repository would list them; none unless a test adds some. */
    final java.util.NavigableMap<Long, Path> folders =
        new java.util.concurrent.ConcurrentSkipListMap<>();

    @Override
    public java.util.NavigableMap<Long, Path> versionFolders(String model) {
      return new TreeMap<>(folders);
    }

    @Override
    public boolean isHeld(String model, long version) {
      return true;
    }
  }
}
