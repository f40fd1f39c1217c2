package org.modelserver.runtime.registry;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.modelserver.runtime.concurrent.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Poll mode's clock and memory: runs a poll every interval, and remembers the model-folder digest
 * each model last had when something acted on it, so a folder is reloaded once per change (a broken
 * version is tried once per change, not once per poll). The digests are guarded by the model
 * manager's lock.
 */
final class RepositoryPoller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RepositoryPoller.class);

  private final Map<String, String> seen = new HashMap<>();
  private ScheduledExecutorService executor;

  /** Runs {@code poll} every {@code interval} on a daemon thread; a failed poll is logged. */
  void start(Duration interval, Runnable poll) {
    executor = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("repository-poll"));
    long millis = Math.max(1, interval.toMillis());
    executor.scheduleWithFixedDelay(
        () -> {
          try {
            poll.run();
          } catch (RuntimeException | Error e) {
            // An Error thrown out of a scheduled task would end the schedule for good.
            log.warn("Repository poll failed; the next one retries", e);
          }
        },
        millis,
        millis,
        TimeUnit.MILLISECONDS);
  }

  /** Whether the model's folder differs from when it was last acted on. */
  boolean changed(Fingerprints folder) {
    return !folder.model().equals(seen.get(folder.source().name()));
  }

  /** Records the folder a load, reload or poll just acted on. */
  void seen(Fingerprints folder) {
    seen.put(folder.source().name(), folder.model());
  }

  void forget(String model) {
    seen.remove(model);
  }

  @Override
  public void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
