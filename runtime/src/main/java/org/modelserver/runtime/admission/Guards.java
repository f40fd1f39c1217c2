package org.modelserver.runtime.admission;

import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.modelserver.runtime.config.Protection;

/**
 * Makes each model version's {@link ModelGuard} from the server's default protection and the
 * model's own section, and holds the server-wide byte budget. The registries are shared so that one
 * metrics binder sees every version's breaker and bulkhead.
 */
public final class Guards {
  private final Protection defaults;
  private final CircuitBreakerRegistry breakers;
  private final BulkheadRegistry bulkheads;
  private final ByteBudget serverBytes;

  /**
   * @param defaults every field set: what a model without its own section gets
   * @param serverInflightBytes bytes all requests together may hold; 0 means no limit
   */
  public Guards(
      Protection defaults,
      long serverInflightBytes,
      CircuitBreakerRegistry breakers,
      BulkheadRegistry bulkheads) {
    if (!defaults.isComplete()) {
      throw new IllegalArgumentException("server protection defaults must set every field");
    }
    this.defaults = defaults;
    this.breakers = breakers;
    this.bulkheads = bulkheads;
    this.serverBytes = new ByteBudget("the server", serverInflightBytes);
  }

  /** Holds the shared unprotected instance (one shared value, not a singleton service). */
  private static final class Unprotected {
    static final Guards GUARDS =
        new Guards(
            new Protection(0, 0, 0, 0, 0, 0, 0, 0, 0),
            0,
            CircuitBreakerRegistry.ofDefaults(),
            BulkheadRegistry.ofDefaults());
  }

  /**
   * No protection by default and no byte limit, for tests and tools; a model's own {@code
   * protection} section still applies.
   */
  public static Guards none() {
    return Unprotected.GUARDS;
  }

  /** The guard of a version being loaded; close it when the version retires. */
  public ModelGuard create(String model, long version, Protection own) {
    return new ModelGuard(model, version, own.orDefaults(defaults), breakers, bulkheads);
  }

  public ByteBudget serverBytes() {
    return serverBytes;
  }

  /** Bytes held by requests now, server-wide. */
  public long inflightBytes() {
    return serverBytes.used();
  }

  /** The server-wide limit; 0 means none. */
  public long inflightBytesLimit() {
    return serverBytes.limit();
  }
}
