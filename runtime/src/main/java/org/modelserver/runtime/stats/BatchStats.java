package org.modelserver.runtime.stats;

/** Per executed batch size: compute durations of the executions of that size. */
public final class BatchStats {
  private final int batchSize;
  private final Duration computeInput = new Duration();
  private final Duration computeInfer = new Duration();
  private final Duration computeOutput = new Duration();

  BatchStats(int batchSize) {
    this.batchSize = batchSize;
  }

  public int batchSize() {
    return batchSize;
  }

  public Duration computeInput() {
    return computeInput;
  }

  public Duration computeInfer() {
    return computeInfer;
  }

  public Duration computeOutput() {
    return computeOutput;
  }
}
