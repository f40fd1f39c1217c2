package org.modelserver.runtime.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.config.Protection;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;

/** One version's guard: rate limit per caller, circuit breaker on engine faults, bulkhead. */
class ModelGuardTest {
  private final CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
  private final BulkheadRegistry bulkheads = BulkheadRegistry.ofDefaults();

  private Guards guards(Protection defaults) {
    return new Guards(defaults, 0, breakers, bulkheads);
  }

  private static Protection off() {
    return new Protection(0, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  @Test
  void aCallerOverItsBurstIsRateLimitedWithARetryAfterAndOthersAreNot() {
    ModelGuard guard =
        guards(off()).create("m", 1, new Protection(-1, -1, 1, 2, -1, -1, -1, -1, -1));
    guard.admit("a").finish(null);
    guard.admit("a").finish(null);
    assertThatThrownBy(() -> guard.admit("a"))
        .isInstanceOfSatisfying(
            ServingException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(ErrorKind.RATE_LIMITED);
              assertThat(e.retryAfter()).isPresent();
              assertThat(e).hasMessageContaining("1 requests/s per caller (burst 2)");
            });
    guard.admit("b").finish(null); // another caller has its own limit
    assertThat(guard.rateLimitedCount()).isEqualTo(1);
  }

  @Test
  void theBreakerOpensOnEngineFaultsOnlyAndIsRemovedWhenTheVersionRetires() {
    ModelGuard guard =
        guards(new Protection(0, 0, 0, 0, 50, 2, 2, 60_000, 1)).create("m", 3, Protection.INHERIT);
    assertThat(breakers.getAllCircuitBreakers()).hasSize(1);
    // client errors and cancellations are not the model's fault
    guard.admit("c").finish(ServingException.invalidArgument("bad input"));
    guard.admit("c").finish(ServingException.cancelled("gone"));
    assertThat(guard.breakerStateName()).isEqualTo("CLOSED");
    guard.admit("c").finish(new CompletionException(ServingException.internal("boom", null)));
    guard.admit("c").finish(ServingException.internal("boom", null));
    assertThat(guard.breakerStateName()).isEqualTo("OPEN");
    assertThat(guard.refusal()).hasValueSatisfying(reason -> assertThat(reason).contains("OPEN"));
    assertThatThrownBy(() -> guard.admit("c"))
        .isInstanceOfSatisfying(
            ServingException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(ErrorKind.CAPACITY_EXCEEDED);
              assertThat(e.retryAfter()).isPresent();
            });
    guard.close();
    assertThat(breakers.getAllCircuitBreakers()).isEmpty();
  }

  @Test
  void theBulkheadAdmitsUpToItsLimitAndAPermitIsReleasedOnce() {
    ModelGuard guard =
        guards(off()).create("m", 1, new Protection(1, -1, -1, -1, -1, -1, -1, -1, -1));
    ModelGuard.Permit first = guard.admit("a");
    assertThatThrownBy(() -> guard.admit("a"))
        .hasMessageContaining("protection.max_concurrent_requests");
    first.finish(null);
    first.finish(null); // a second finish does not free a second slot
    ModelGuard.Permit second = guard.admit("a");
    assertThatThrownBy(() -> guard.admit("a")).isInstanceOf(ServingException.class);
    second.finish(null);
    guard.close();
    assertThat(bulkheads.getAllBulkheads()).isEmpty();
  }

  @Test
  void twoLoadsOfOneVersionDoNotShareState() {
    Guards guards = guards(new Protection(0, 0, 0, 0, 50, 1, 1, 60_000, 1));
    ModelGuard old = guards.create("m", 1, Protection.INHERIT);
    ModelGuard reloaded = guards.create("m", 1, Protection.INHERIT);
    old.admit("c").finish(ServingException.internal("boom", null));
    assertThat(old.breakerStateName()).isEqualTo("OPEN");
    assertThat(reloaded.breakerStateName()).isEqualTo("CLOSED");
    old.close();
    assertThat(breakers.getAllCircuitBreakers()).hasSize(1);
    reloaded.close();
  }

  @Test
  void serverDefaultsMustSetEveryField() {
    assertThatThrownBy(() -> guards(Protection.INHERIT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("every field");
  }
}
