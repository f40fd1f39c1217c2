package org.modelserver.runtime.batch;

import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;

/**
 * Refuses a request because its model version no longer admits any: it is being replaced by a new
 * default version, or unloaded. Nothing of the request ran, so a caller may retry it once on the
 * version that is now the default.
 */
public final class SchedulerDrainingException extends ServingException {
  private static final long serialVersionUID = 1L;

  private final String model;
  private final long version;

  public SchedulerDrainingException(String model, long version) {
    super(
        ErrorKind.UNAVAILABLE,
        "model '"
            + model
            + "' version "
            + version
            + " is being replaced or unloaded and accepts no new requests");
    this.model = model;
    this.version = version;
  }

  public String model() {
    return model;
  }

  public long version() {
    return version;
  }
}
