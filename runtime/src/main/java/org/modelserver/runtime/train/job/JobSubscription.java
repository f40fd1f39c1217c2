package org.modelserver.runtime.train.job;

/**
 * A listener's registration with a job, and the job's state when it began. Closing it removes the
 * listener; closing twice is harmless.
 */
public final class JobSubscription implements AutoCloseable {
  private final JobRecord snapshot;
  private final Runnable remove;

  JobSubscription(JobRecord snapshot, Runnable remove) {
    this.snapshot = snapshot;
    this.remove = remove;
  }

  /** The job when the listener was added; a final state means no call will follow. */
  public JobRecord snapshot() {
    return snapshot;
  }

  @Override
  public void close() {
    remove.run();
  }
}
