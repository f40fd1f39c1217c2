package org.modelserver.runtime.admission;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.modelserver.runtime.config.Protection;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;

/**
 * The protection of one model version: a rate limiter per caller, a circuit breaker that opens on
 * engine faults, a bulkhead on concurrent requests and a byte budget. Created when the version is
 * loaded and closed when it retires, which removes its breaker and bulkhead (and their metrics)
 * from the shared registries: a hot swap never inherits the old version's state.
 */
public final class ModelGuard implements AutoCloseable {
  /** Callers whose rate limiters are kept; the least recently seen is forgotten beyond this. */
  static final int MAX_CALLERS = 10_000;

  private static final AtomicLong GENERATION = new AtomicLong();

  private final String model;
  private final long version;
  private final Protection settings;
  private final String registryName;
  private final CircuitBreaker breaker;
  private final Bulkhead bulkhead;
  private final ByteBudget bytes;
  private final RateLimiterConfig rateConfig;
  private final CircuitBreakerRegistry breakers;
  private final BulkheadRegistry bulkheads;
  private final Map<String, RateLimiter> limiters;
  private final AtomicLong rateLimited = new AtomicLong();
  private volatile long openedAtNanos;

  ModelGuard(
      String model,
      long version,
      Protection settings,
      CircuitBreakerRegistry breakers,
      BulkheadRegistry bulkheads) {
    this.model = model;
    this.version = version;
    this.settings = settings;
    this.breakers = breakers;
    this.bulkheads = bulkheads;
    // Unique per load: a reload of the same version gets fresh state, and retiring the old one
    // cannot remove the new one's entries.
    this.registryName = model + "/" + version + "#" + GENERATION.incrementAndGet();
    Map<String, String> tags = Map.of("model", model, "version", Long.toString(version));
    this.breaker =
        settings.failureRateThreshold() > 0
            ? breakers.circuitBreaker(registryName, breakerConfig(settings), tags)
            : null;
    if (breaker != null) {
      breaker
          .getEventPublisher()
          .onStateTransition(
              event -> {
                if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                  openedAtNanos = System.nanoTime();
                }
              });
    }
    this.bulkhead =
        settings.maxConcurrentRequests() > 0
            ? bulkheads.bulkhead(
                registryName,
                BulkheadConfig.custom()
                    .maxConcurrentCalls(settings.maxConcurrentRequests())
                    .maxWaitDuration(Duration.ZERO)
                    .build(),
                tags)
            : null;
    this.bytes = new ByteBudget("model '" + model + "'", settings.maxInflightBytes());
    this.rateConfig =
        settings.rateLimitPerSecond() > 0
            ? RateLimiterConfig.custom()
                .limitForPeriod(settings.effectiveBurst())
                .limitRefreshPeriod(
                    Duration.ofNanos(
                        Math.max(
                            1,
                            TimeUnit.SECONDS.toNanos(settings.effectiveBurst())
                                / settings.rateLimitPerSecond())))
                .timeoutDuration(Duration.ZERO)
                .build()
            : null;
    this.limiters =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, RateLimiter> eldest) {
            return size() > MAX_CALLERS;
          }
        };
  }

  private static CircuitBreakerConfig breakerConfig(Protection settings) {
    int window = Math.max(1, settings.slidingWindowSize());
    return CircuitBreakerConfig.custom()
        .failureRateThreshold(settings.failureRateThreshold())
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(window)
        .minimumNumberOfCalls(Math.max(1, Math.min(settings.minimumCalls(), window)))
        .waitDurationInOpenState(Duration.ofMillis(Math.max(1, settings.waitInOpenStateMillis())))
        .permittedNumberOfCallsInHalfOpenState(
            Math.max(1, settings.permittedCallsInHalfOpenState()))
        .build();
  }

  /** The settings in force, the server's defaults merged with the model's section. */
  public Protection settings() {
    return settings;
  }

  /**
   * Lets one request of {@code caller} in, or refuses it at once.
   *
   * @param caller who sends it: a token's digest or a client address
   * @throws ServingException RATE_LIMITED over the caller's rate; CAPACITY_EXCEEDED while the
   *     circuit breaker is open or the bulkhead is full
   */
  public Permit admit(String caller) {
    if (rateConfig != null) {
      RateLimiter limiter = limiterOf(caller);
      if (!limiter.acquirePermission()) {
        rateLimited.incrementAndGet();
        long nanos = ((AtomicRateLimiter) limiter).getDetailedMetrics().getNanosToWait();
        throw ServingException.rateLimited(
            "rate limit of model '"
                + model
                + "' exceeded: "
                + settings.rateLimitPerSecond()
                + " requests/s per caller (burst "
                + settings.effectiveBurst()
                + "); retry later",
            Duration.ofNanos(Math.max(nanos, 1)));
      }
    }
    if (breaker != null && !breaker.tryAcquirePermission()) {
      throw ServingException.overloaded(
          "model '" + model + "' version " + version + " is refusing requests: " + breakerState(),
          breakerRetryAfter());
    }
    if (bulkhead != null && !bulkhead.tryAcquirePermission()) {
      if (breaker != null) {
        breaker.releasePermission();
      }
      throw ServingException.overloaded(
          "model '"
              + model
              + "' has "
              + settings.maxConcurrentRequests()
              + " requests in flight, its limit (protection.max_concurrent_requests); retry later",
          Duration.ofSeconds(1));
    }
    return new Permit();
  }

  private RateLimiter limiterOf(String caller) {
    synchronized (limiters) {
      return limiters.computeIfAbsent(
          caller, key -> RateLimiter.of(registryName + "@" + key, rateConfig));
    }
  }

  /** Bytes of this model's budget; see {@link ByteBudget}. */
  public ByteBudget bytes() {
    return bytes;
  }

  /** Why the breaker refuses requests, or empty while it lets them through. */
  public Optional<String> refusal() {
    if (breaker == null) {
      return Optional.empty();
    }
    CircuitBreaker.State state = breaker.getState();
    if (state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN) {
      return Optional.of(breakerState());
    }
    return Optional.empty();
  }

  /** The circuit breaker's state: CLOSED, OPEN, HALF_OPEN, or DISABLED when there is none. */
  public String breakerStateName() {
    return breaker == null ? "DISABLED" : breaker.getState().name();
  }

  /** Requests refused by the per-caller rate limit since the version loaded. */
  public long rateLimitedCount() {
    return rateLimited.get();
  }

  private String breakerState() {
    CircuitBreaker.Metrics metrics = breaker.getMetrics();
    return "circuit breaker "
        + breaker.getState()
        + " after "
        + metrics.getNumberOfFailedCalls()
        + " of its last "
        + (metrics.getNumberOfFailedCalls() + metrics.getNumberOfSuccessfulCalls())
        + " requests failed in the engine (failure_rate_threshold "
        + settings.failureRateThreshold()
        + "%); it lets requests try again "
        + settings.waitInOpenStateMillis()
        + " ms after opening";
  }

  private Duration breakerRetryAfter() {
    long waited = System.nanoTime() - openedAtNanos;
    long left = TimeUnit.MILLISECONDS.toNanos(settings.waitInOpenStateMillis()) - waited;
    return Duration.ofNanos(Math.max(left, TimeUnit.MILLISECONDS.toNanos(1)));
  }

  /** Removes its breaker and bulkhead from the registries; the limiters go with it. */
  @Override
  public void close() {
    if (breaker != null) {
      breakers.remove(registryName);
    }
    if (bulkhead != null) {
      bulkheads.remove(registryName);
    }
    synchronized (limiters) {
      limiters.clear();
    }
  }

  /** One admitted request's hold on the breaker and the bulkhead; finished exactly once. */
  public final class Permit {
    private final long startNanos = System.nanoTime();
    private boolean finished;

    /**
     * Records how the request ended: engine faults (INTERNAL) count against the breaker; success
     * for it; anything else (client errors, cancellation, a full queue) is not the model's fault
     * and counts for neither.
     */
    public synchronized void finish(Throwable failure) {
      if (finished) {
        return;
      }
      finished = true;
      if (bulkhead != null) {
        bulkhead.onComplete();
      }
      if (breaker == null) {
        return;
      }
      long elapsed = System.nanoTime() - startNanos;
      while (failure instanceof java.util.concurrent.CompletionException wrapped
          && wrapped.getCause() != null) {
        failure = wrapped.getCause();
      }
      if (failure == null) {
        breaker.onSuccess(elapsed, TimeUnit.NANOSECONDS);
      } else if (failure instanceof ServingException serving
          && serving.kind() == ErrorKind.INTERNAL) {
        breaker.onError(elapsed, TimeUnit.NANOSECONDS, failure);
      } else {
        breaker.releasePermission();
      }
    }
  }
}
