/**
 * Rollouts: a canary moved through traffic-split steps, judged at each step against its baseline
 * (error rate and p99 latency over a sliding window, Resilience4j and Micrometer), then promoted or
 * rolled back. Above {@code inference}, whose outcomes it records, and {@code registry}, whose
 * split it sets.
 */
package org.modelserver.runtime.rollout;
