package org.modelserver.runtime.train.job;

import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.train.job.JobRecord.JobDescription;
import org.modelserver.runtime.train.job.JobRecord.Outcome;
import org.modelserver.runtime.train.job.JobRecord.Progress;
import org.modelserver.runtime.train.torch.EpochMetrics;
import org.modelserver.runtime.train.torch.FineTuneResult;
import org.modelserver.runtime.train.torch.TrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job's live state: its state machine, progress, cancellation and listeners. Every change is
 * made under the job's lock, recorded on disk when the state changes (and now and then during
 * training), and told to the listeners in order.
 */
final class TrainingJob implements TrainingListener {
  private static final Logger log = LoggerFactory.getLogger(TrainingJob.class);
  private static final Duration SAVE_PROGRESS_EVERY = Duration.ofSeconds(10);

  /** The error of a job the server stopped under. */
  static final String INTERRUPTED = "interrupted";

  private final JobDescription description;
  private final Clock clock;
  private final JobStore store;
  private final LongConsumer samplesTrainedSink;
  private final int epochs;
  private final Object lock = new Object();

  // Guarded by lock.
  private final List<JobListener> listeners = new ArrayList<>();
  private JobPlan plan;
  private JobState state = JobState.QUEUED;
  private boolean publishing;
  private Instant started;
  private Instant finished;
  private Instant lastSaved;
  private int epoch;
  private int step;
  private final List<Double> trainLoss = new ArrayList<>();
  private final List<Double> validationLoss = new ArrayList<>();
  private double currentLoss = Double.NaN;
  private long samplesTrained;
  private double samplesPerSecond;
  private Outcome outcome = Outcome.none();

  // Read by the training thread between steps.
  private volatile boolean cancelRequested;
  private volatile boolean serverStopping;

  TrainingJob(
      JobDescription description,
      JobPlan plan,
      Clock clock,
      JobStore store,
      LongConsumer samplesTrainedSink) {
    this.description = description;
    this.plan = plan;
    this.epochs = plan.spec().epochs();
    this.clock = clock;
    this.store = store;
    this.samplesTrainedSink = samplesTrainedSink;
  }

  String id() {
    return description.id();
  }

  /** What the job trains; empty once it has finished. */
  Optional<JobPlan> plan() {
    synchronized (lock) {
      return Optional.ofNullable(plan);
    }
  }

  JobState state() {
    synchronized (lock) {
      return state;
    }
  }

  /** The last step's loss while running; NaN otherwise. */
  double runningLoss() {
    synchronized (lock) {
      return state == JobState.RUNNING ? currentLoss : Double.NaN;
    }
  }

  /** When the job started running; empty while queued. */
  Optional<Instant> started() {
    synchronized (lock) {
      return Optional.ofNullable(started);
    }
  }

  JobRecord snapshot() {
    synchronized (lock) {
      Instant now = clock.instant();
      Duration elapsed =
          started == null
              ? Duration.ZERO
              : Duration.between(started, finished == null ? now : finished);
      return new JobRecord(
          description,
          state,
          cancelRequested,
          Optional.ofNullable(started),
          Optional.ofNullable(finished),
          new Progress(
              epoch,
              epochs,
              step,
              trainLoss,
              validationLoss,
              currentLoss,
              samplesTrained,
              samplesPerSecond,
              elapsed),
          outcome);
    }
  }

  /** Records the new job on disk. */
  void saveQueued() {
    synchronized (lock) {
      store.save(snapshot());
      lastSaved = clock.instant();
    }
  }

  /** Queued to running; false when the job was cancelled or interrupted while it waited. */
  boolean start() {
    synchronized (lock) {
      if (state != JobState.QUEUED) {
        return false;
      }
      state = JobState.RUNNING;
      started = clock.instant();
      changed();
      return true;
    }
  }

  /** Polled by the trainer before every step. */
  boolean shouldStop() {
    return cancelRequested || serverStopping;
  }

  @Override
  public void onStep(int epoch, int step, double loss) {
    synchronized (lock) {
      this.epoch = epoch;
      this.step = step;
      this.currentLoss = loss;
    }
  }

  @Override
  public void onEpoch(EpochMetrics metrics) {
    samplesTrainedSink.accept(metrics.samples());
    synchronized (lock) {
      epoch = metrics.epoch();
      trainLoss.add(metrics.trainLoss());
      validationLoss.add(metrics.validationLoss());
      samplesTrained += metrics.samples();
      double seconds = metrics.elapsed().toNanos() / 1e9;
      samplesPerSecond = seconds > 0 ? samplesTrained / seconds : 0;
      JobRecord record = snapshot();
      Instant now = clock.instant();
      if (lastSaved == null
          || Duration.between(lastSaved, now).compareTo(SAVE_PROGRESS_EVERY) >= 0) {
        save(record);
      }
      for (JobListener listener : List.copyOf(listeners)) {
        try {
          listener.onEpoch(record, metrics);
        } catch (RuntimeException e) {
          log.warn("A listener of training job {} failed; it is dropped", id(), e);
          listeners.remove(listener);
        }
      }
    }
  }

  /**
   * The last point where a cancellation still applies: after it, the job publishes its version.
   *
   * @return false when the job was cancelled or the server is stopping
   */
  boolean beginPublishing() {
    synchronized (lock) {
      if (shouldStop()) {
        return false;
      }
      publishing = true;
      return true;
    }
  }

  void succeed(long version, boolean promoted, FineTuneResult result) {
    synchronized (lock) {
      samplesPerSecond = result.samplesPerSecond();
      outcome =
          new Outcome(
              Optional.of(version),
              promoted,
              Optional.empty(),
              result.baseValidationLoss(),
              result.trainedParameters(),
              result.frozenParameters(),
              result.stoppedEarly());
      finish(JobState.SUCCEEDED);
    }
  }

  void fail(String error) {
    synchronized (lock) {
      if (state.isFinished()) {
        return;
      }
      outcome =
          new Outcome(
              Optional.empty(),
              false,
              Optional.of(error),
              outcome.baseValidationLoss(),
              outcome.trainedParameters(),
              outcome.frozenParameters(),
              outcome.stoppedEarly());
      finish(JobState.FAILED);
    }
  }

  /** The trainer stopped because {@link #shouldStop()} said so. */
  void stopped() {
    synchronized (lock) {
      if (cancelRequested) {
        finish(JobState.CANCELLED);
      } else {
        fail(INTERRUPTED + ": the server stopped while the job was running");
      }
    }
  }

  /**
   * A client's cancel: a queued job is cancelled at once, a running one stops at its next step.
   *
   * @throws ServingException CONFLICT when the job has finished or is publishing its version
   */
  JobRecord cancel() {
    synchronized (lock) {
      if (state.isFinished()) {
        throw ServingException.conflict(alreadyFinished(id(), state));
      }
      if (publishing) {
        throw ServingException.conflict(
            "training job "
                + id()
                + " has finished training and is publishing its version; it can no longer be"
                + " cancelled");
      }
      cancelRequested = true;
      if (state == JobState.QUEUED) {
        finish(JobState.CANCELLED);
      } else {
        changed();
      }
      return snapshot();
    }
  }

  static String alreadyFinished(String id, JobState state) {
    return "training job "
        + id
        + " has already finished (state "
        + state.configName()
        + "); nothing to cancel";
  }

  /** The server is stopping: a queued job fails now, a running one at its next step. */
  void interrupt() {
    serverStopping = true;
    synchronized (lock) {
      if (state == JobState.QUEUED) {
        fail(INTERRUPTED + ": the server stopped before the job started");
      }
    }
  }

  /**
   * Adds a listener unless the job has finished; either way returns the state it starts from, so
   * the listener misses nothing between the two.
   */
  JobSubscription subscribe(JobListener listener) {
    synchronized (lock) {
      JobRecord now = snapshot();
      if (now.state().isFinished()) {
        return new JobSubscription(now, () -> {});
      }
      listeners.add(listener);
      return new JobSubscription(
          now,
          () -> {
            synchronized (lock) {
              listeners.remove(listener);
            }
          });
    }
  }

  private void finish(JobState finalState) {
    state = finalState;
    finished = clock.instant();
    // The data and the base files are no longer needed; a finished job is only its record.
    plan = null;
    changed();
    listeners.clear();
  }

  /** Saves the record and tells the listeners. Must hold the lock. */
  private void changed() {
    JobRecord record = snapshot();
    save(record);
    for (JobListener listener : List.copyOf(listeners)) {
      try {
        listener.onStateChange(record);
      } catch (RuntimeException e) {
        log.warn("A listener of training job {} failed; it is dropped", id(), e);
        listeners.remove(listener);
      }
    }
  }

  private void save(JobRecord record) {
    try {
      store.save(record);
      lastSaved = clock.instant();
    } catch (UncheckedIOException e) {
      log.warn("Could not record the state of training job {}", id(), e);
    }
  }
}
