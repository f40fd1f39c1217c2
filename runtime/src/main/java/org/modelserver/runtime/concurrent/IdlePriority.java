package org.modelserver.runtime.concurrent;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Moves the calling thread to Linux's idle scheduling class ({@code SCHED_IDLE}, else nice 19), so
 * that it runs only on CPU time no other thread wants and never preempts one that does. For
 * background work that must not delay requests (shadow traffic). Best effort: elsewhere, or without
 * {@code chrt} and {@code renice}, the thread keeps its priority.
 */
public final class IdlePriority {
  private static final Path THREAD_SELF = Path.of("/proc/thread-self");

  private IdlePriority() {}

  /**
   * Lowers the calling thread.
   *
   * @return how: {@code "SCHED_IDLE"}, {@code "nice 19"}, or empty text when it could not
   */
  public static String lowerCurrentThread() {
    String tid;
    try {
      // /proc/thread-self links to <pid>/task/<tid>: Java does not give a thread's kernel id.
      tid = Files.readSymbolicLink(THREAD_SELF).getFileName().toString();
    } catch (IOException | UnsupportedOperationException e) {
      return "";
    }
    if (!tid.chars().allMatch(Character::isDigit)) {
      return "";
    }
    if (run("chrt", "--idle", "--pid", "0", tid)) {
      return "SCHED_IDLE";
    }
    return run("renice", "-n", "19", "-p", tid) ? "nice 19" : "";
  }

  private static boolean run(String... command) {
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(Redirect.DISCARD)
              .start();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return false;
      }
      return process.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
