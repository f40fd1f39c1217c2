package org.modelserver.runtime.inference;

import java.util.Map;
import org.modelserver.runtime.error.ServingException;

/**
 * The request parameters the scheduler honours: {@code priority} (1 is highest, 0 the default
 * level) and {@code timeout} (µs in the queue; it may only lower the model's default).
 */
record RequestParameters(long priority, long timeoutMicros) {

  static RequestParameters of(Map<String, Object> parameters) {
    return new RequestParameters(
        nonNegative(parameters, "priority"), nonNegative(parameters, "timeout"));
  }

  private static long nonNegative(Map<String, Object> parameters, String name) {
    Object value = parameters.get(name);
    if (value == null) {
      return 0;
    }
    if (value instanceof Long number && number >= 0) {
      return number;
    }
    throw ServingException.invalidArgument(
        "parameter '" + name + "' must be a non-negative integer, got " + value);
  }
}
