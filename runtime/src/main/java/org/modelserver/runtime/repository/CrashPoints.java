package org.modelserver.runtime.repository;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named moments at which crash tests kill the server. A test starts the server in its own JVM with
 * {@code -Dmodelserver.crash-point=<name>} and {@code -Dmodelserver.crash-point-file=<file>}; when
 * the server reaches that moment it writes the file and stops there, and the test kills the process
 * with SIGKILL (kill -9) and restarts it. Without the property this is one comparison of a
 * constant.
 */
public final class CrashPoints {
  private static final Logger log = LoggerFactory.getLogger(CrashPoints.class);
  private static final String ARMED = System.getProperty("modelserver.crash-point", "");
  private static final String SIGNAL = System.getProperty("modelserver.crash-point-file", "");

  /** Files are placed in the repository and not yet validated or committed. */
  public static final String INSTALL_PLACED = "install-placed";

  private CrashPoints() {}

  /** Stops here for good when a crash test armed this point; returns at once otherwise. */
  public static void reach(String name) {
    if (ARMED.isEmpty() || !ARMED.equals(name)) {
      return;
    }
    log.warn("Crash point {} reached: waiting to be killed", name);
    try {
      if (!SIGNAL.isEmpty()) {
        Files.writeString(Path.of(SIGNAL), name);
      }
      Thread.sleep(Long.MAX_VALUE);
    } catch (IOException e) {
      throw new IllegalStateException("cannot signal crash point " + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("crash point " + name + " interrupted", e);
    }
  }
}
