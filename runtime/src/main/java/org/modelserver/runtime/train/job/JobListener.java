package org.modelserver.runtime.train.job;

import org.modelserver.runtime.train.torch.EpochMetrics;

/**
 * Hears one job's progress. Called on the thread that changed the job, in order, while the job is
 * locked: hand the values to another thread rather than doing I/O here.
 */
public interface JobListener {
  /** After each epoch of training. */
  default void onEpoch(JobRecord job, EpochMetrics metrics) {}

  /** After the job changed state; no call follows one with a final state. */
  default void onStateChange(JobRecord job) {}
}
