package org.modelserver.runtime.train.job;

import java.nio.file.Path;
import java.util.Map;

/**
 * Turns a finished job's files into a new version of its model; the model manager's {@code publish}
 * in the server.
 */
@FunctionalInterface
public interface VersionPublisher {
  /**
   * @param files name in the new version folder to the file holding it
   * @param promote whether the new version becomes the model's default
   * @return the new version number
   * @throws org.modelserver.runtime.error.ServingException when the version cannot be added; then
   *     nothing of it is left in the repository
   */
  long publish(String model, Map<String, Path> files, boolean promote);
}
