package org.modelserver.runtime.registry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retires versions that no longer serve: each drains (admits nothing more, finishes what it
 * admitted) and frees its native memory once the last request is done. Thread-safe.
 */
final class Retirement {
  private static final Logger log = LoggerFactory.getLogger(Retirement.class);

  private final Set<CompletableFuture<Void>> draining = ConcurrentHashMap.newKeySet();

  /** Drains a version; the future completes once its memory is freed. */
  CompletableFuture<Void> retire(ModelVersion version) {
    CompletableFuture<Void> drained = version.drain();
    draining.add(drained);
    drained.whenComplete((ignored, error) -> draining.remove(drained));
    return drained;
  }

  /** Drains every version of a model that left the registry. */
  List<CompletableFuture<Void>> retireAll(Model model) {
    List<CompletableFuture<Void>> drained = new ArrayList<>();
    model.versions().values().forEach(version -> drained.add(retire(version)));
    return drained;
  }

  /** Versions that are finishing their last requests before being freed. */
  int draining() {
    return draining.size();
  }

  /**
   * Waits up to {@code limit} for {@code drained} to complete; a version still busy after that is
   * freed when done, and the wait only logs it.
   */
  static void await(String model, List<CompletableFuture<Void>> drained, Duration limit) {
    try {
      CompletableFuture.allOf(drained.toArray(CompletableFuture[]::new))
          .get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn(
          "Model {} is still finishing requests after {}; it is freed when done", model, limit);
    } catch (ExecutionException e) {
      log.warn("Draining model {} failed", model, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
