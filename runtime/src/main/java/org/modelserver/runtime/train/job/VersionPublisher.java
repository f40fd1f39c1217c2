package org.modelserver.runtime.train.job;

import java.nio.file.Path;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.modelserver.runtime.registry.ModelManager;

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

  /**
   * The model's complete version folders by number, after any install a crash interrupted was
   * rolled back; used at start to tell a job that published before the server stopped from one that
   * did not.
   */
  default NavigableMap<Long, Path> versionFolders(String model) {
    return new TreeMap<>();
  }

  /** Whether a published version is held (not promoted): never the default until pinned. */
  default boolean isHeld(String model, long version) {
    return false;
  }

  /** Publishes through the model manager's hot-swap path, as the server and the batch job do. */
  static VersionPublisher into(ModelManager manager) {
    return new VersionPublisher() {
      @Override
      public long publish(String model, Map<String, Path> files, boolean promote) {
        return manager.publish(model, files, promote);
      }

      @Override
      public NavigableMap<Long, Path> versionFolders(String model) {
        return manager.versionFolders(model);
      }

      @Override
      public boolean isHeld(String model, long version) {
        return manager.isHeld(model, version);
      }
    };
  }
}
