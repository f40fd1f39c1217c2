package org.modelserver.runtime.train.torch;

/**
 * Progress of a fine-tuning run, called on the training thread: keep both methods cheap (hand the
 * values to another thread rather than doing I/O here). An exception thrown here fails the run.
 */
public interface TrainingListener {
  /** Listens to nothing. */
  TrainingListener NONE = new TrainingListener() {};

  /** After each optimizer step; both counters are 1-based, {@code step} within the epoch. */
  default void onStep(int epoch, int step, double loss) {}

  /** After each epoch's validation. */
  default void onEpoch(EpochMetrics metrics) {}
}
