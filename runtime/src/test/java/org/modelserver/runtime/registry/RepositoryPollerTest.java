package org.modelserver.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Polling survives a poll that fails, with an exception or with an Error (part of issue 14). */
class RepositoryPollerTest {
  @Test
  void aPollThatThrowsAnErrorDoesNotEndPolling() throws InterruptedException {
    RepositoryPoller poller = new RepositoryPoller();
    AtomicInteger polls = new AtomicInteger();
    CountDownLatch third = new CountDownLatch(3);
    try {
      poller.start(
          Duration.ofMillis(10),
          () -> {
            int n = polls.incrementAndGet();
            third.countDown();
            if (n == 1) {
              throw new AssertionError("an Error in the first poll");
            }
            if (n == 2) {
              throw new IllegalStateException("an exception in the second poll");
            }
          });
      assertThat(third.await(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      poller.close();
    }
    assertThat(polls.get()).isGreaterThanOrEqualTo(3);
  }
}
