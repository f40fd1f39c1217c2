/**
 * {@code /metrics}: Triton's {@code nv_*} families from the runtime's statistics, then Micrometer's
 * JVM metrics.
 */
package org.modelserver.server.metrics;
