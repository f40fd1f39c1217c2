package org.modelserver.runtime.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fake clock the scheduler tests rely on behaves as documented. */
class FakeSchedulerClockTest {
  private final FakeSchedulerClock clock = new FakeSchedulerClock(100);
  private final List<String> ran = new ArrayList<>();

  @Test
  void timeMovesOnlyWhenAdvanced() {
    assertThat(clock.nanoTime()).isEqualTo(100);
    clock.advance(0);
    assertThat(clock.nanoTime()).isEqualTo(100);
    clock.advance(25);
    assertThat(clock.nanoTime()).isEqualTo(125);
  }

  @Test
  void taskRunsOnlyOnceItsDueTimeIsReached() {
    clock.schedule(10, () -> ran.add("task"));
    clock.advance(9);
    assertThat(ran).isEmpty();
    clock.advance(1);
    assertThat(ran).containsExactly("task");
    clock.advance(100);
    assertThat(ran).containsExactly("task");
  }

  @Test
  void dueTasksRunInDueOrderThenInScheduleOrder() {
    clock.schedule(30, () -> ran.add("c"));
    clock.schedule(10, () -> ran.add("a"));
    clock.schedule(30, () -> ran.add("d"));
    clock.schedule(20, () -> ran.add("b"));
    clock.advance(30);
    assertThat(ran).containsExactly("a", "b", "c", "d");
  }

  @Test
  void taskSeesTheClockAtItsDueTime() {
    List<Long> seen = new ArrayList<>();
    clock.schedule(10, () -> seen.add(clock.nanoTime()));
    clock.advance(50);
    assertThat(seen).containsExactly(110L);
    assertThat(clock.nanoTime()).isEqualTo(150);
  }

  @Test
  void tasksScheduledByTasksRunInTheSameAdvanceWhenDue() {
    clock.schedule(
        10,
        () -> {
          ran.add("first");
          clock.schedule(5, () -> ran.add("second"));
          clock.schedule(50, () -> ran.add("later"));
        });
    clock.advance(20);
    assertThat(ran).containsExactly("first", "second");
    assertThat(clock.pendingTimers()).isEqualTo(1);
    clock.advance(40);
    assertThat(ran).containsExactly("first", "second", "later");
  }

  @Test
  void negativeDelayIsDueAtOnce() {
    clock.schedule(-5, () -> ran.add("now"));
    clock.advance(0);
    assertThat(ran).containsExactly("now");
  }
}
