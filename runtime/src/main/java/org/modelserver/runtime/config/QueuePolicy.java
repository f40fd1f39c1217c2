package org.modelserver.runtime.config;

/**
 * Triton's {@code ModelQueuePolicy}: what happens to requests waiting in one priority level's
 * queue.
 *
 * @param timeoutAction what to do with a request that waited past its timeout
 * @param defaultTimeoutMicros the queue timeout of a request; 0 means none
 * @param allowTimeoutOverride whether a request's {@code timeout} parameter may lower it
 * @param maxQueueSize the most requests waiting at this level; 0 means unbounded (as in Triton, but
 *     only when written out); {@link #UNSET} when the config does not say, which loading replaces
 *     with the server's default ({@code --default-max-queue-size})
 */
public record QueuePolicy(
    TimeoutAction timeoutAction,
    long defaultTimeoutMicros,
    boolean allowTimeoutOverride,
    int maxQueueSize) {

  /** Triton's {@code timeout_action}. */
  public enum TimeoutAction {
    /** Fail the request. */
    REJECT,
    /** Keep it, behind every request that has not timed out. */
    DELAY
  }

  /** A {@code max_queue_size} the config leaves to the server's default. */
  public static final int UNSET = -1;

  public static final QueuePolicy DEFAULT = new QueuePolicy(TimeoutAction.REJECT, 0, false, UNSET);

  public QueuePolicy {
    if (defaultTimeoutMicros < 0) {
      throw new ModelConfigException("default_timeout_microseconds must be 0 or more");
    }
    if (maxQueueSize < UNSET) {
      throw new ModelConfigException("max_queue_size must be 0 or more");
    }
  }

  /** This policy with the server's default queue size when its config left it unset. */
  public QueuePolicy withDefaultQueueSize(int defaultSize) {
    return maxQueueSize != UNSET
        ? this
        : new QueuePolicy(timeoutAction, defaultTimeoutMicros, allowTimeoutOverride, defaultSize);
  }

  /** The timeout of a request in nanoseconds (0: none), given the timeout it asked for in µs. */
  public long timeoutNanos(long requestedMicros) {
    long micros = defaultTimeoutMicros;
    if (allowTimeoutOverride && requestedMicros > 0) {
      micros = micros == 0 ? requestedMicros : Math.min(micros, requestedMicros);
    }
    return micros > Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : micros * 1000;
  }
}
