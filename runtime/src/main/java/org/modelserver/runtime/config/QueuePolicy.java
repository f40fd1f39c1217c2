package org.modelserver.runtime.config;

/**
 * Triton's {@code ModelQueuePolicy}: what happens to requests waiting in one priority level's
 * queue.
 *
 * @param timeoutAction what to do with a request that waited past its timeout
 * @param defaultTimeoutMicros the queue timeout of a request; 0 means none
 * @param allowTimeoutOverride whether a request's {@code timeout} parameter may lower it
 * @param maxQueueSize the most requests waiting at this level; 0 means unbounded
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

  public static final QueuePolicy DEFAULT = new QueuePolicy(TimeoutAction.REJECT, 0, false, 0);

  public QueuePolicy {
    if (defaultTimeoutMicros < 0) {
      throw new ModelConfigException("default_timeout_microseconds must be 0 or more");
    }
    if (maxQueueSize < 0) {
      throw new ModelConfigException("max_queue_size must be 0 or more");
    }
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
