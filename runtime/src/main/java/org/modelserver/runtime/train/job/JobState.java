package org.modelserver.runtime.train.job;

import java.util.Optional;

/** Where a fine-tuning job is in its life; the last three are final. */
public enum JobState {
  /** Accepted and waiting for a free training slot. */
  QUEUED("queued"),
  /** Training, or publishing its version. */
  RUNNING("running"),
  /** Its version was published (and promoted when asked). */
  SUCCEEDED("succeeded"),
  /** It stopped on an error, or the server stopped under it ({@code interrupted}). */
  FAILED("failed"),
  /** Cancelled by a client; it published nothing. */
  CANCELLED("cancelled");

  private final String configName;

  JobState(String configName) {
    this.configName = configName;
  }

  /** The name in the API and in job records, for example {@code running}. */
  public String configName() {
    return configName;
  }

  public boolean isFinished() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }

  public static Optional<JobState> fromConfigName(String name) {
    for (JobState state : values()) {
      if (state.configName.equals(name)) {
        return Optional.of(state);
      }
    }
    return Optional.empty();
  }
}
