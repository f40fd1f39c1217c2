/**
 * Admission control: what a request must get before it may use memory or a model's queue. A
 * server-wide in-flight byte budget, and per model version a rate limit per caller, a circuit
 * breaker on engine faults, a bulkhead and its own byte budget (Resilience4j cores, no Spring).
 * Refusals are fast {@link org.modelserver.runtime.error.ServingException}s that say when to retry.
 */
package org.modelserver.runtime.admission;
