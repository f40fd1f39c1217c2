package org.modelserver.runtime.inference;

import org.modelserver.runtime.registry.ModelVersion;

/**
 * Told how each admitted request ended, once, on the thread that completed it: keep it short and
 * never throw.
 */
@FunctionalInterface
public interface OutcomeListener {
  /** Listens to nothing. */
  OutcomeListener NONE = (version, nanos, failure) -> {};

  /** Tells {@code first}, then {@code second}. */
  static OutcomeListener both(OutcomeListener first, OutcomeListener second) {
    return (version, nanos, failure) -> {
      first.finished(version, nanos, failure);
      second.finished(version, nanos, failure);
    };
  }

  /**
   * @param version the version the request was admitted to
   * @param nanos from admission to completion
   * @param failure null on success
   */
  void finished(ModelVersion version, long nanos, Throwable failure);
}
