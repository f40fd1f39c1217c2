package org.modelserver.runtime.stats;

/** The three compute durations Triton reports: preparing inputs, inference, collecting outputs. */
public abstract class ComputeDurations {
  private final Duration computeInput = new Duration();
  private final Duration computeInfer = new Duration();
  private final Duration computeOutput = new Duration();

  ComputeDurations() {}

  void addCompute(long inputNs, long inferNs, long outputNs) {
    computeInput.add(inputNs);
    computeInfer.add(inferNs);
    computeOutput.add(outputNs);
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
