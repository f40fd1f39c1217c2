package org.modelserver.runtime.stats;

/** Per executed batch size: compute durations of the executions of that size. */
public final class BatchStats extends ComputeDurations {
  private final int batchSize;

  BatchStats(int batchSize) {
    this.batchSize = batchSize;
  }

  public int batchSize() {
    return batchSize;
  }
}
