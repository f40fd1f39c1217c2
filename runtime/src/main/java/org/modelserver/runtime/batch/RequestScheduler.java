package org.modelserver.runtime.batch;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.modelserver.runtime.tensor.Tensor;

/**
 * What runs a version's validated requests: the dynamic batcher of a model ({@link Scheduler}) or
 * the step graph of an ensemble. The inference path only sees this.
 */
public interface RequestScheduler extends AutoCloseable {
  /**
   * Admits a validated request; see {@link Scheduler#submit}.
   *
   * @throws SchedulerDrainingException once draining or closing has started
   */
  CompletableFuture<Map<String, Tensor>> submit(
      Map<String, Tensor> inputs, List<String> outputs, long priority, long timeoutMicros);

  /** Why no request can be queued now, or empty; a hint for refusing early. */
  Optional<String> queueFull();

  /** Stops admitting, finishes what was admitted, then frees what it owns. */
  CompletableFuture<Void> drain();

  /** Stops at once: refuses new requests and fails the queued ones. */
  @Override
  void close();
}
