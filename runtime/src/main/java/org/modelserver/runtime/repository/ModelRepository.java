package org.modelserver.runtime.repository;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.modelserver.runtime.error.ServingException;

/**
 * Reads a model repository laid out as {@code <root>/<model>/<version>/<model file>}, where a
 * version is a folder named by a positive integer. Other folders and files are ignored.
 */
public final class ModelRepository {
  private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");

  private final Path root;

  public ModelRepository(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  /** Whether a name can be a model's name (and so a folder directly under the root). */
  public static boolean isValidModelName(String name) {
    return name != null && MODEL_NAME.matcher(name).matches();
  }

  /**
   * @throws ServingException INVALID_ARGUMENT naming what a model name may hold, when {@code name}
   *     cannot be one
   */
  public static void requireValidName(String name) {
    if (!isValidModelName(name)) {
      throw ServingException.invalidArgument(
          "invalid model name '"
              + name
              + "': expected letters, digits, '_', '-' and '.', not starting with '.' or '-',"
              + " at most 128 characters");
    }
  }

  /**
   * Every model folder, sorted by name.
   *
   * @throws IllegalStateException when the root is not a readable folder
   */
  public List<ModelSource> scan() {
    if (!Files.isDirectory(root)) {
      throw new IllegalStateException("model repository " + root + " is not a folder");
    }
    List<ModelSource> models = new ArrayList<>();
    for (Path dir : children(root)) {
      find(dir.getFileName().toString()).ifPresent(models::add);
    }
    return models;
  }

  /** The model folder of that name, if the repository has one. */
  public Optional<ModelSource> find(String name) {
    if (!isValidModelName(name)) {
      return Optional.empty();
    }
    Path dir = root.resolve(name);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    NavigableMap<Long, Path> versions = new TreeMap<>();
    for (Path child : children(dir)) {
      String childName = child.getFileName().toString();
      if (VERSION.matcher(childName).matches()) {
        versions.put(Long.parseLong(childName), child);
      }
    }
    return Optional.of(new ModelSource(name, dir, versions));
  }

  private static List<Path> children(Path dir) {
    try (Stream<Path> stream = Files.list(dir)) {
      return stream
          .filter(path -> Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS))
          .filter(path -> !path.getFileName().toString().startsWith("."))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }
}
