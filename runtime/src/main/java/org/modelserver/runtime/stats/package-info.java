/** Per-version statistics with Triton's meanings, kept in lock-free counters. */
package org.modelserver.runtime.stats;
