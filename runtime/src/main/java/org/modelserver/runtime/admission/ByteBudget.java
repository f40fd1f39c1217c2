package org.modelserver.runtime.admission;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes that requests may hold at once (bodies and decoded tensors), taken without waiting: a
 * reservation that does not fit is refused at once. Thread-safe and lock-free.
 */
public final class ByteBudget {
  private final String name;
  private final long limit;
  private final AtomicLong used = new AtomicLong();

  /**
   * @param name what the budget covers, for messages (e.g. "the server")
   * @param limit the most bytes held at once; 0 means no limit
   */
  public ByteBudget(String name, long limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("a byte budget must be 0 (no limit) or more");
    }
    this.name = name;
    this.limit = limit;
  }

  /** Takes {@code bytes} if they fit, else takes nothing. */
  public boolean tryReserve(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("cannot reserve " + bytes + " bytes");
    }
    if (limit == 0) {
      used.addAndGet(bytes);
      return true;
    }
    while (true) {
      long current = used.get();
      if (bytes > limit - current) {
        return false;
      }
      if (used.compareAndSet(current, current + bytes)) {
        return true;
      }
    }
  }

  public void release(long bytes) {
    used.addAndGet(-bytes);
  }

  public long used() {
    return used.get();
  }

  /** The limit in bytes; 0 means none. */
  public long limit() {
    return limit;
  }

  public String name() {
    return name;
  }
}
