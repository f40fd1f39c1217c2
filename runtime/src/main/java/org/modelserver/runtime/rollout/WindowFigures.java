package org.modelserver.runtime.rollout;

/**
 * One version's figures over a rollout's window.
 *
 * @param requests requests finished in the window
 * @param failures of which failed
 * @param p99Millis the p99 latency of the successful ones, 0 without any
 */
public record WindowFigures(int requests, int failures, double p99Millis) {
  /** Failures as a percentage of requests; 0 without requests. */
  public double errorPercent() {
    return requests == 0 ? 0 : 100.0 * failures / requests;
  }

  public int successes() {
    return requests - failures;
  }
}
