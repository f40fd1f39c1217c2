package org.modelserver.runtime.inference;

import java.time.Duration;
import org.modelserver.runtime.admission.ByteBudget;
import org.modelserver.runtime.admission.ModelGuard;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.registry.ModelVersion;
import org.modelserver.runtime.stats.FailureReason;

/**
 * One request's admission: the version it was admitted to, its permit from that version's guard,
 * and the bytes it holds in the server's and the model's budgets. Closing it releases all of them;
 * closing twice is harmless. Thread-safe.
 */
public final class Admission implements AutoCloseable {
  /** How long a caller refused by a full byte budget is told to wait. */
  static final Duration RETRY_AFTER_BYTES = Duration.ofSeconds(1);

  private final ModelVersion version;
  private final ModelGuard.Permit permit;
  private final ByteBudget server;
  private final ByteBudget model;
  private final long startNanos = System.nanoTime();
  private long held;
  private boolean closed;

  Admission(ModelVersion version, ModelGuard.Permit permit, ByteBudget server, ByteBudget model) {
    this.version = version;
    this.permit = permit;
    this.server = server;
    this.model = model;
  }

  /** The version the request was admitted to. */
  public ModelVersion version() {
    return version;
  }

  /**
   * Takes {@code bytes} more from both budgets before they are allocated.
   *
   * @throws ServingException CAPACITY_EXCEEDED when either budget cannot hold them; nothing is
   *     taken then
   */
  public synchronized void reserve(long bytes) {
    if (bytes <= 0) {
      return;
    }
    if (closed) {
      throw new IllegalStateException("the request's admission is already closed");
    }
    if (!server.tryReserve(bytes)) {
      throw refused(server, bytes, "--max-inflight-bytes");
    }
    if (!model.tryReserve(bytes)) {
      server.release(bytes);
      throw refused(model, bytes, "protection.max_inflight_bytes");
    }
    held += bytes;
  }

  private static ServingException refused(ByteBudget budget, long bytes, String option) {
    return ServingException.overloaded(
        budget.name()
            + " holds "
            + budget.used()
            + " bytes of requests in flight; "
            + bytes
            + " more would pass its limit of "
            + budget.limit()
            + " bytes ("
            + option
            + "); retry later",
        RETRY_AFTER_BYTES);
  }

  /** Checks each input against the admitted version's config, then reserves its bytes. */
  public InputPlan inputPlan() {
    org.modelserver.runtime.config.ModelConfig config = version.config().orElseThrow();
    return (name, type, shape, bytes) -> {
      try {
        RequestValidator.checkDeclared(config, name, type, shape);
      } catch (ServingException e) {
        // counted as the same failure the full validation would have found
        version.statistics().requestFailed(FailureReason.OTHER, 0);
        throw e;
      }
      reserve(bytes);
    };
  }

  /** Time since the request was admitted. */
  public long elapsedNanos() {
    return System.nanoTime() - startNanos;
  }

  /** Bytes this request holds now. */
  public synchronized long heldBytes() {
    return held;
  }

  /**
   * Records how the request ended, for the circuit breaker; the first call counts.
   *
   * @param failure null on success
   */
  public void finish(Throwable failure) {
    permit.finish(failure);
  }

  @Override
  public void close() {
    long release;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      release = held;
      held = 0;
    }
    server.release(release);
    model.release(release);
    // A request that never reached the model (refused while decoding) is no one's fault.
    permit.finish(ServingException.cancelled("the request ended before it ran"));
  }
}
