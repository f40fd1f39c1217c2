package org.modelserver.server.finetune;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.json.StrictJson;
import org.modelserver.runtime.train.job.JobListener;
import org.modelserver.runtime.train.job.JobPlan;
import org.modelserver.runtime.train.job.JobPlanner;
import org.modelserver.runtime.train.job.JobRecord;
import org.modelserver.runtime.train.job.JobSubscription;
import org.modelserver.runtime.train.torch.EpochMetrics;
import tools.jackson.databind.JsonNode;

/**
 * {@code java -jar model-server.jar finetune ...}: one fine-tuning job as a process of its own (a
 * Kubernetes Job), so that its libtorch threads never compete with serving. It runs the REST job's
 * code (the same planner, trainer and publisher) on plain runtime objects, without Spring: no
 * listener is ever bound. Progress goes to stdout, a failure's reason to stderr; see {@link
 * FineTuneArgs#USAGE} for the exit codes.
 */
public final class FineTuneCommand {
  /** The first argument that selects this command instead of the server. */
  public static final String NAME = "finetune";

  static final int PUBLISHED = 0;
  static final int JOB_FAILED = 1;
  static final int BAD_REQUEST = 2;

  /** 128 + SIGINT, as a shell reports a job stopped by Ctrl-C; a SIGTERM exits with 143. */
  static final int STOPPED = 130;

  /** How long a signal waits for the job to stop and the runtime to be closed. */
  private static final long STOP_WAIT_SECONDS = 90;

  private static final String EXAMPLE =
      "{\"dataset\": {\"format\": \"jsonl\", \"path\": \"train.jsonl\"}, \"epochs\": 10}";

  private final PrintStream out;
  private final PrintStream err;
  private final AtomicBoolean stopRequested = new AtomicBoolean();
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile FineTuneRuntime runtime;
  private volatile String jobId;

  FineTuneCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /**
   * Runs the command with the arguments after {@code finetune}; returns the exit code. SIGINT and
   * SIGTERM cancel the job and clean up before the JVM exits.
   */
  public static int run(String... args) {
    // Before the first logger is made: warnings and the runtime's info lines go to stderr.
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "finetune-logback.xml");
    }
    FineTuneCommand command = new FineTuneCommand(System.out, System.err);
    Runtime.getRuntime().addShutdownHook(new Thread(command::stopOnSignal, "finetune-stop"));
    return command.execute(args);
  }

  int execute(String... args) {
    try {
      Optional<FineTuneArgs> parsed = FineTuneArgs.parse(System.getenv(), args);
      if (parsed.isEmpty()) {
        out.print(FineTuneArgs.USAGE);
        return PUBLISHED;
      }
      FineTuneArgs options = parsed.get();
      JsonNode settings = readSpec(options);
      try (FineTuneRuntime opened = FineTuneRuntime.open(options)) {
        runtime = opened;
        return train(opened, options, settings);
      }
    } catch (FineTuneArgs.UsageException e) {
      err.println("finetune: " + e.getMessage() + " (see --help)");
      return BAD_REQUEST;
    } catch (ServingException e) {
      // Found before the job started (the job's own failures end in its record): nothing ran.
      err.println("finetune: " + e.getMessage());
      return BAD_REQUEST;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("finetune: interrupted; nothing was published");
      return STOPPED;
    } catch (IOException | RuntimeException e) {
      err.println("finetune: internal error: " + e);
      return JOB_FAILED;
    } finally {
      finished.countDown();
    }
  }

  private JsonNode readSpec(FineTuneArgs options) throws IOException {
    String what = "the spec " + options.spec();
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(options.spec());
    } catch (NoSuchFileException e) {
      throw new FineTuneArgs.UsageException(what + " does not exist");
    }
    return StrictJson.settingsObject(bytes, what, EXAMPLE);
  }

  private int train(FineTuneRuntime opened, FineTuneArgs options, JsonNode settings)
      throws InterruptedException {
    JobPlanner planner = opened.planner();
    JobPlan plan =
        planner.plan(
            planner.base(options.model(), options.baseVersion()), settings, Optional.empty());
    JobRecord.DatasetSummary dataset = plan.dataset();
    out.printf(
        Locale.ROOT,
        "fine-tuning %s version %d: %d samples (%s, %s%s), %d epochs on %s%n",
        plan.model(),
        plan.baseVersion(),
        plan.data().size(),
        dataset.format().configName(),
        dataset.source(),
        dataset.name().map(name -> " " + name).orElse(""),
        plan.spec().epochs(),
        plan.spec().device());
    if (stopRequested.get()) {
      return stopped();
    }
    BlockingQueue<Update> updates = new LinkedBlockingQueue<>();
    JobRecord queued = opened.jobs().submit(plan);
    jobId = queued.id();
    out.println("job " + queued.id());
    try (JobSubscription subscription = opened.jobs().subscribe(queued.id(), listener(updates))) {
      if (stopRequested.get()) {
        cancelJob();
      }
      JobRecord job = subscription.snapshot();
      while (!job.state().isFinished()) {
        Update update = updates.take();
        job = update.job();
        if (update.epoch() != null) {
          printEpoch(job, update.epoch());
        }
      }
      return report(job);
    }
  }

  /** The listener hands each change to this thread: it may not do I/O itself. */
  private static JobListener listener(BlockingQueue<Update> updates) {
    return new JobListener() {
      @Override
      public void onEpoch(JobRecord job, EpochMetrics metrics) {
        updates.add(new Update(job, metrics));
      }

      @Override
      public void onStateChange(JobRecord job) {
        updates.add(new Update(job, null));
      }
    };
  }

  /** A job's change: after an epoch ({@code epoch} set) or a change of state. */
  private record Update(JobRecord job, EpochMetrics epoch) {}

  private void printEpoch(JobRecord job, EpochMetrics epoch) {
    out.printf(
        Locale.ROOT,
        "epoch %d/%d  train_loss %.6g  val_loss %s  samples/s %.1f  elapsed %.1f s%n",
        epoch.epoch(),
        job.progress().epochs(),
        epoch.trainLoss(),
        Double.isNaN(epoch.validationLoss())
            ? "-"
            : String.format(Locale.ROOT, "%.6g", epoch.validationLoss()),
        job.progress().samplesPerSecond(),
        epoch.elapsed().toMillis() / 1000.0);
  }

  private int report(JobRecord job) {
    switch (job.state()) {
      case SUCCEEDED -> {
        JobRecord.Outcome outcome = job.outcome();
        List<Double> losses = job.progress().trainLoss();
        if (!losses.isEmpty()) {
          out.printf(
              Locale.ROOT,
              "trained %d samples at %.1f samples/s; last train_loss %.6g%s%n",
              job.progress().samplesTrained(),
              job.progress().samplesPerSecond(),
              losses.get(losses.size() - 1),
              outcome.stoppedEarly() ? " (stopped early)" : "");
        }
        out.println(
            "published "
                + job.description().model()
                + " version "
                + outcome.outputVersion().orElseThrow()
                + (outcome.promoted()
                    ? " (now the default)"
                    : " (held: not the default; pin it to promote it)"));
        return PUBLISHED;
      }
      case CANCELLED -> {
        return stopped();
      }
      default -> {
        err.println(
            "finetune: the job failed: "
                + job.outcome().error().orElse("no reason given")
                + "; nothing was published");
        return JOB_FAILED;
      }
    }
  }

  private int stopped() {
    err.println("finetune: stopped; nothing was published");
    return STOPPED;
  }

  /** The shutdown hook: on SIGINT or SIGTERM, cancels the job and waits until all is cleaned up. */
  private void stopOnSignal() {
    if (finished.getCount() == 0) {
      return;
    }
    stopRequested.set(true);
    err.println("finetune: stopping on a signal: cancelling the job");
    cancelJob();
    try {
      if (!finished.await(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
        err.println("finetune: the job did not stop within " + STOP_WAIT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void cancelJob() {
    FineTuneRuntime opened = runtime;
    String id = jobId;
    if (opened == null || id == null) {
      return;
    }
    try {
      opened.jobs().cancel(id);
    } catch (ServingException e) {
      // Publishing (it completes, atomically) or already finished.
      err.println("finetune: " + e.getMessage());
    }
  }
}
