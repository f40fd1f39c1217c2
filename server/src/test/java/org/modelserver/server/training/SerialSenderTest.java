package org.modelserver.server.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One stream's slow client holds up neither the other streams nor more than its own backlog. */
class SerialSenderTest {
  @Test
  void aBlockedStreamDoesNotHoldUpAnotherOnTheSamePool() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch release = new CountDownLatch(1);
      SerialSender slow = new SerialSender(pool, 10, () -> {});
      SerialSender fast = new SerialSender(pool, 10, () -> {});
      slow.offer(
          () -> {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      CountDownLatch delivered = new CountDownLatch(5);
      List<Integer> order = new CopyOnWriteArrayList<>();
      for (int i = 0; i < 5; i++) {
        int event = i;
        fast.offer(
            () -> {
              order.add(event);
              delivered.countDown();
            });
      }
      assertThat(delivered.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(order).containsExactly(0, 1, 2, 3, 4);
      release.countDown();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aStreamThatFallsTooFarBehindIsClosedAndDropsTheRest() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      CountDownLatch release = new CountDownLatch(1);
      AtomicInteger overflows = new AtomicInteger();
      AtomicInteger ran = new AtomicInteger();
      SerialSender sender = new SerialSender(pool, 3, overflows::incrementAndGet);
      sender.offer(
          () -> {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      // The first event is running (blocked); three wait; the fourth overflows.
      for (int i = 0; i < 10; i++) {
        sender.offer(ran::incrementAndGet);
      }
      assertThat(overflows.get()).isEqualTo(1);
      assertThat(sender.isClosed()).isTrue();
      release.countDown();
      pool.shutdown();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      assertThat(ran.get()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }
}
