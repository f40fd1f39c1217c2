package org.modelserver.runtime.train.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.modelserver.runtime.concurrent.DaemonThreads;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.train.job.JobRecord.JobDescription;
import org.modelserver.runtime.train.torch.FineTuner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fine-tuning jobs of this server: a bounded number run at once on their own threads, others
 * wait queued in a bounded queue. Every job has a record on disk, so after a restart the jobs are
 * still listed; one that was queued or running when the server stopped is failed as {@code
 * interrupted}, and its unfinished files are removed.
 */
public final class TrainingJobs implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TrainingJobs.class);
  private static final Pattern ID = Pattern.compile("[0-9a-f]{24}");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Why every call about jobs is refused when {@code maxRunningJobs} is 0. */
  public static final String DISABLED =
      "fine-tuning is disabled on this replica (--max-training-jobs=0): it only serves; run the"
          + " job as a batch job (java -jar model-server.jar finetune ...) or on a server started"
          + " with --max-training-jobs of 1 or more";

  /**
   * @param trainingDir job records and each running job's private files
   * @param maxRunningJobs jobs that run at once; 0: this server only serves, and every call about
   *     jobs is refused (CONFLICT) without touching the training folder
   * @param maxQueuedJobs jobs that may wait for a free slot; more are refused (503)
   * @param stopTimeoutSeconds how long closing waits for running jobs to stop
   */
  public record Options(
      Path trainingDir, int maxRunningJobs, int maxQueuedJobs, long stopTimeoutSeconds) {
    public Options {
      if (maxRunningJobs < 0) {
        throw new IllegalArgumentException("max-training-jobs must be 0 or more");
      }
      if (maxQueuedJobs < 0) {
        throw new IllegalArgumentException("max-queued-training-jobs must be 0 or more");
      }
    }
  }

  private final Options options;
  private final JobStore store;
  private final JobRunner runner;
  private final Clock clock;
  private final ThreadPoolExecutor executor;
  private final Map<String, TrainingJob> live = new ConcurrentHashMap<>();
  private final Map<String, JobRecord> past = new ConcurrentHashMap<>();
  private final Map<String, Runnable> queued = new ConcurrentHashMap<>();
  private final AtomicLong samplesTrained = new AtomicLong();
  private final VersionPublisher publisher;

  /** Records of finished jobs kept from one run to the next; older ones are deleted at start. */
  static final int KEPT_RECORDS = 1000;

  private volatile boolean open;
  private volatile String notOpen = "the trainer has not started";

  public TrainingJobs(Options options, FineTuner tuner, VersionPublisher publisher, Clock clock) {
    this.options = options;
    this.store = new JobStore(options.trainingDir());
    this.publisher = publisher;
    this.runner = new JobRunner(tuner, publisher, store, clock);
    this.clock = clock;
    this.executor =
        new ThreadPoolExecutor(
            // A disabled trainer never executes anything; the pool starts no thread until then.
            Math.max(1, options.maxRunningJobs()),
            Math.max(1, options.maxRunningJobs()),
            0,
            TimeUnit.MILLISECONDS,
            options.maxQueuedJobs() == 0
                ? new SynchronousQueue<>()
                : new LinkedBlockingQueue<>(options.maxQueuedJobs()),
            DaemonThreads.numbered("training-job"));
  }

  /** The version an unfinished job's record left behind, found by its manifest's job id. */
  private Optional<Long> publishedVersion(JobRecord record) {
    try {
      for (Map.Entry<Long, Path> version :
          publisher.versionFolders(record.description().model()).descendingMap().entrySet()) {
        if (TrainingManifest.jobId(version.getValue()).filter(record.id()::equals).isPresent()) {
          return Optional.of(version.getKey());
        }
      }
    } catch (RuntimeException e) {
      log.warn("Cannot look for the version of training job {}: {}", record.id(), e.toString());
    }
    return Optional.empty();
  }

  private void saveRestored(JobRecord restored) {
    try {
      store.save(restored);
    } catch (UncheckedIOException e) {
      log.warn("Could not record how training job {} ended", restored.id(), e);
    }
  }

  /**
   * Reads the job records: those left queued or running by a server that stopped become failed
   * ({@code interrupted}); their unfinished files are deleted.
   */
  public void start() {
    if (isDisabled()) {
      // A serve-only replica leaves the training folder, which another server may own, alone.
      notOpen = DISABLED;
      log.info("Fine-tuning is disabled on this server (max-training-jobs=0)");
      return;
    }
    List<JobRecord> records;
    try {
      records = store.open();
    } catch (UncheckedIOException e) {
      // Serving must not depend on the trainer: a read-only repository still serves.
      notOpen =
          "fine-tuning is disabled: "
              + e.getMessage()
              + " ("
              + e.getCause().getMessage()
              + "); set --training-dir to a writable folder";
      log.warn("{}", notOpen);
      return;
    }
    for (JobRecord record : records) {
      JobRecord restored = record;
      Optional<Long> published =
          record.state().isFinished() ? Optional.empty() : publishedVersion(record);
      if (published.isPresent()) {
        // Killed after its version was complete in the repository but before its record said so.
        restored =
            record.publishedBeforeStop(
                clock.instant(),
                published.get(),
                !publisher.isHeld(record.description().model(), published.get()));
        saveRestored(restored);
        log.info(
            "Training job {} ({}) had published version {} when the server stopped; it is"
                + " succeeded",
            record.id(),
            record.description().model(),
            published.get());
      } else if (!record.state().isFinished()) {
        restored = record.interrupted(clock.instant());
        try {
          store.save(restored);
        } catch (UncheckedIOException e) {
          log.warn("Could not record that training job {} was interrupted", record.id(), e);
        }
        log.info(
            "Training job {} ({}) was {} when the server stopped; it is failed as interrupted",
            record.id(),
            record.description().model(),
            record.state().configName());
      }
      past.put(restored.id(), restored);
    }
    pruneOldRecords();
    open = true;
  }

  /**
   * Keeps the newest {@link #KEPT_RECORDS} records of finished jobs from earlier runs and deletes
   * the older ones, so that records cannot pile up without bound across restarts.
   */
  private void pruneOldRecords() {
    if (past.size() <= KEPT_RECORDS) {
      return;
    }
    List<JobRecord> oldestFirst = new ArrayList<>(past.values());
    oldestFirst.sort(
        Comparator.comparing(
            (JobRecord job) -> job.finished().orElse(job.description().created())));
    for (JobRecord old : oldestFirst.subList(0, oldestFirst.size() - KEPT_RECORDS)) {
      past.remove(old.id());
      store.delete(old.id());
    }
    log.info("Deleted the records of {} old training jobs", oldestFirst.size() - KEPT_RECORDS);
  }

  private boolean isDisabled() {
    return options.maxRunningJobs() == 0;
  }

  /**
   * @throws ServingException CONFLICT naming {@code --max-training-jobs=0} when this server only
   *     serves
   */
  public void requireEnabled() {
    if (isDisabled()) {
      throw ServingException.conflict(DISABLED);
    }
  }

  /**
   * Queues a checked job.
   *
   * @return the job as queued
   * @throws ServingException CAPACITY_EXCEEDED when the queue is full, UNAVAILABLE when the server
   *     is stopping, CONFLICT when training is disabled
   */
  public JobRecord submit(JobPlan plan) {
    requireEnabled();
    if (!open) {
      throw ServingException.unavailable(notOpen);
    }
    store.prepare();
    String id = HexFormat.of().formatHex(bytes());
    Path work = store.workDir(id);
    JobPlan own;
    try {
      own = snapshotBaseFiles(plan, work.resolve("base"));
    } catch (RuntimeException e) {
      store.deleteWork(id);
      throw e;
    }
    JobDescription description =
        new JobDescription(
            id,
            plan.model(),
            plan.baseVersion(),
            clock.instant(),
            plan.dataset(),
            JobSettings.of(plan.spec()));
    TrainingJob job = new TrainingJob(description, own, clock, store, samplesTrained::addAndGet);
    Runnable task =
        () -> {
          queued.remove(id);
          runner.run(job);
        };
    live.put(id, job);
    queued.put(id, task);
    try {
      job.saveQueued();
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      live.remove(id);
      queued.remove(id);
      store.delete(id);
      store.deleteWork(id);
      throw new ServingException(
          ErrorKind.CAPACITY_EXCEEDED,
          "the trainer is busy: "
              + options.maxRunningJobs()
              + " job(s) running and "
              + options.maxQueuedJobs()
              + " waiting (max-training-jobs, max-queued-training-jobs); try again later");
    } catch (RuntimeException e) {
      live.remove(id);
      queued.remove(id);
      store.deleteWork(id);
      throw e;
    }
    log.info(
        "Training job {} queued: {} version {}, {} samples",
        id,
        plan.model(),
        plan.baseVersion(),
        plan.data().size());
    return job.snapshot();
  }

  private static byte[] bytes() {
    byte[] bytes = new byte[12];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  /**
   * Links (or copies) the base version's files into the job's folder, so the job trains exactly the
   * version it was checked against even if the repository changes while it waits.
   */
  private static JobPlan snapshotBaseFiles(JobPlan plan, Path dir) {
    try {
      Files.createDirectories(dir);
      Path model = linkOrCopy(plan.baseModelFile(), dir.resolve(plan.modelFileName()));
      Optional<Path> config = Optional.empty();
      if (plan.baseConfigFile().isPresent()) {
        Path source = plan.baseConfigFile().get();
        // The config is copied, never linked: an edit of the model's config must not change it.
        config = Optional.of(dir.resolve(source.getFileName()));
        Files.copy(source, config.get(), StandardCopyOption.REPLACE_EXISTING);
      }
      return new JobPlan(
          plan.model(),
          plan.baseVersion(),
          plan.config(),
          model,
          config,
          plan.spec(),
          plan.data(),
          plan.dataset());
    } catch (IOException e) {
      throw ServingException.internal(
          "cannot copy the base model into the training folder: " + e.getMessage(), e);
    }
  }

  private static Path linkOrCopy(Path source, Path target) throws IOException {
    try {
      return Files.createLink(target, source);
    } catch (IOException | UnsupportedOperationException e) {
      return Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Every job this server knows, newest first. */
  public List<JobRecord> list() {
    requireEnabled();
    List<JobRecord> all = new ArrayList<>(past.values());
    live.values().forEach(job -> all.add(job.snapshot()));
    all.sort(
        Comparator.comparing((JobRecord job) -> job.description().created())
            .reversed()
            .thenComparing(JobRecord::id));
    return all;
  }

  /**
   * @throws ServingException NOT_FOUND for an unknown id
   */
  public JobRecord get(String id) {
    requireEnabled();
    TrainingJob job = live.get(checkId(id));
    if (job != null) {
      return job.snapshot();
    }
    return Optional.ofNullable(past.get(id)).orElseThrow(() -> unknown(id));
  }

  /**
   * Cancels a job: a queued one at once, a running one at its next training step (it then publishes
   * nothing). Returns the job after the request.
   *
   * @throws ServingException NOT_FOUND for an unknown id, CONFLICT for a job that has finished or
   *     is publishing its version
   */
  public JobRecord cancel(String id) {
    requireEnabled();
    TrainingJob job = live.get(checkId(id));
    if (job == null) {
      JobRecord finished = Optional.ofNullable(past.get(id)).orElseThrow(() -> unknown(id));
      throw ServingException.conflict(TrainingJob.alreadyFinished(id, finished.state()));
    }
    JobRecord after = job.cancel();
    if (after.state() == JobState.CANCELLED) {
      Runnable task = queued.remove(id);
      if (task != null) {
        executor.remove(task);
      }
      store.deleteWork(id);
    }
    return after;
  }

  /**
   * Adds a listener to a job; the subscription's snapshot is the job's state when it was added, and
   * a final state there means the listener will not be called.
   *
   * @throws ServingException NOT_FOUND for an unknown id
   */
  public JobSubscription subscribe(String id, JobListener listener) {
    requireEnabled();
    TrainingJob job = live.get(checkId(id));
    if (job != null) {
      return job.subscribe(listener);
    }
    return new JobSubscription(
        Optional.ofNullable(past.get(id)).orElseThrow(() -> unknown(id)), () -> {});
  }

  /** How many jobs are in each state, every state present. */
  public Map<JobState, Long> countByState() {
    Map<JobState, Long> counts = new EnumMap<>(JobState.class);
    for (JobState state : JobState.values()) {
      counts.put(state, 0L);
    }
    past.values().forEach(job -> counts.merge(job.state(), 1L, Long::sum));
    live.values().forEach(job -> counts.merge(job.state(), 1L, Long::sum));
    return counts;
  }

  /** Training samples processed by this server since it started (epochs × training samples). */
  public long samplesTrained() {
    return samplesTrained.get();
  }

  /** The last step's loss of the most recently started running job; NaN when none runs. */
  public double currentLoss() {
    return live.values().stream()
        .filter(job -> job.state() == JobState.RUNNING && job.started().isPresent())
        .max(Comparator.comparing((TrainingJob job) -> job.started().get()))
        .map(TrainingJob::runningLoss)
        .orElse(Double.NaN);
  }

  /**
   * Stops the trainer: queued jobs fail at once, running ones at their next step (both as {@code
   * interrupted}, publishing nothing); waits for them up to the stop timeout.
   */
  @Override
  public void close() {
    open = false;
    notOpen = "the server is stopping";
    live.values().forEach(TrainingJob::interrupt);
    executor.shutdown();
    try {
      if (!executor.awaitTermination(options.stopTimeoutSeconds(), TimeUnit.SECONDS)) {
        log.warn(
            "Training jobs did not stop within {} s; their records say running until the next"
                + " start marks them interrupted",
            options.stopTimeoutSeconds());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String checkId(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw unknown(id);
    }
    return id;
  }

  private static ServingException unknown(String id) {
    return ServingException.notFound("no training job '" + id + "'");
  }
}
