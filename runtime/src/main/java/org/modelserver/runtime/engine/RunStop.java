package org.modelserver.runtime.engine;

/**
 * Lets another thread stop one running execution, for a caller who gave up while its request ran
 * alone. An engine that can stop a run registers how; one that cannot ignores it. A stop asked
 * before the engine registers is applied as soon as it does. Thread-safe.
 */
public final class RunStop {
  private Runnable action;
  private boolean requested;

  /** Sets how to stop the run (null when the run is over); runs it at once if already asked. */
  public synchronized void onStop(Runnable stopAction) {
    this.action = stopAction;
    if (requested && stopAction != null) {
      stopAction.run();
    }
  }

  /** Asks the run to stop. */
  public synchronized void stop() {
    requested = true;
    if (action != null) {
      action.run();
    }
  }

  /** Whether a stop was asked: a run that then fails was stopped, not broken. */
  public synchronized boolean requested() {
    return requested;
  }
}
