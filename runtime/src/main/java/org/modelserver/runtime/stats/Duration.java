package org.modelserver.runtime.stats;

import java.util.concurrent.atomic.LongAdder;

/** A count and a cumulative duration in nanoseconds, as Triton's {@code {count, ns}}. */
public final class Duration {
  private final LongAdder count = new LongAdder();
  private final LongAdder nanos = new LongAdder();

  void add(long ns) {
    count.increment();
    nanos.add(Math.max(0, ns));
  }

  public long count() {
    return count.sum();
  }

  public long ns() {
    return nanos.sum();
  }
}
