package org.modelserver.runtime.train.spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.modelserver.runtime.error.ServingException;

/** Where a job's dataset comes from: text inside the job's settings, or a file the server holds. */
public sealed interface DatasetSource permits DatasetSource.Inline, DatasetSource.DataFile {
  DatasetFormat format();

  /** The dataset's bytes; a {@link DataFile} is looked up under {@code dataRoot}. */
  byte[] read(Path dataRoot);

  /** The dataset written out in the job's settings ({@code "data"}). */
  record Inline(DatasetFormat format, String text) implements DatasetSource {
    @Override
    public byte[] read(Path dataRoot) {
      return text.getBytes(StandardCharsets.UTF_8);
    }
  }

  /**
   * A file in the server's data folder ({@code "path"}), relative to that folder; an absolute path
   * or one with {@code ..} is refused here already.
   */
  record DataFile(DatasetFormat format, String path) implements DatasetSource {
    public DataFile {
      checkRelative(path);
    }

    @Override
    public byte[] read(Path dataRoot) {
      Path file = resolveDataPath(dataRoot, path);
      try {
        return Files.readAllBytes(file);
      } catch (IOException e) {
        throw ServingException.invalidArgument(
            "dataset.path '" + path + "' cannot be read: " + e.getMessage());
      }
    }
  }

  /**
   * The real path of an existing regular file {@code relative} to {@code dataRoot}. Refuses, as
   * INVALID_ARGUMENT, absolute paths, {@code ..} segments and files whose real path lies outside
   * the data folder (through a symbolic link), so a job can read nothing else on the host.
   */
  static Path resolveDataPath(Path dataRoot, String relative) {
    checkRelative(relative);
    Path root;
    try {
      root = dataRoot.toRealPath();
    } catch (IOException e) {
      throw ServingException.unavailable(
          "the server's data folder " + dataRoot + " does not exist; no dataset.path can be read");
    }
    Path candidate = root.resolve(relative).normalize();
    if (!candidate.startsWith(root)) {
      throw escapes(relative);
    }
    Path real;
    try {
      real = candidate.toRealPath();
    } catch (IOException e) {
      throw ServingException.invalidArgument(
          "dataset.path '" + relative + "' does not exist in the server's data folder");
    }
    if (!real.startsWith(root)) {
      throw escapes(relative);
    }
    if (!Files.isRegularFile(real)) {
      throw ServingException.invalidArgument(
          "dataset.path '" + relative + "' is not a regular file");
    }
    return real;
  }

  /** The checks that need no file system. */
  private static void checkRelative(String relative) {
    if (relative.isBlank()) {
      throw ServingException.invalidArgument(
          "dataset.path is empty; expected a file path relative to the server's data folder");
    }
    Path path;
    try {
      path = Path.of(relative);
    } catch (InvalidPathException e) {
      throw ServingException.invalidArgument(
          "dataset.path '" + relative + "' is not a valid path: " + e.getReason());
    }
    if (path.isAbsolute() || relative.startsWith("/") || relative.startsWith("\\")) {
      throw ServingException.invalidArgument(
          "dataset.path '"
              + relative
              + "' is absolute; expected a path relative to the data folder");
    }
    for (Path segment : path) {
      if (segment.toString().equals("..")) {
        throw ServingException.invalidArgument(
            "dataset.path '"
                + relative
                + "' contains '..'; expected a path inside the data folder");
      }
    }
  }

  private static ServingException escapes(String relative) {
    return ServingException.invalidArgument(
        "dataset.path '" + relative + "' leads outside the server's data folder");
  }
}
