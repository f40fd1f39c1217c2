package org.modelserver.runtime.repository;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.modelserver.runtime.config.ModelConfigParser;
import org.modelserver.runtime.error.ServingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The validated, staged content of one model folder: what an archive upload or a load request's
 * files hold, written under a staging root and laid out like {@code <repository>/<model>}. Hostile
 * or malformed input is refused with a {@link ServingException} naming the problem, and leaves
 * nothing staged behind. {@link RepositoryWriter} moves the content into the repository; {@link
 * #close()} deletes whatever is still staged.
 */
public final class ModelUpload implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelUpload.class);

  private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");
  private static final Pattern DIGITS = Pattern.compile("[0-9]+");

  /** Names under the upload's own folder; a leading '.' keeps them apart from any model name. */
  private static final String RAW = ".raw";

  private static final String SPOOL = ".archive.zip";
  private static final String LAYOUT =
      "expected config.yaml, config.json or config.pbtxt, plain files such as labels, and version folders"
          + " named 1, 2, 3, ...";

  private final String modelName;
  private final Path work;
  private final Path dir;
  private final SortedSet<Long> versions;
  private final List<Path> topLevelFiles;
  private final Path config;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ModelUpload(
      String modelName,
      Path work,
      SortedSet<Long> versions,
      List<String> topLevelFiles,
      String config) {
    this.modelName = modelName;
    this.work = work;
    this.dir = work.resolve(modelName);
    this.versions = Collections.unmodifiableSortedSet(versions);
    this.topLevelFiles = topLevelFiles.stream().map(dir::resolve).toList();
    this.config = config == null ? null : dir.resolve(config);
  }

  /**
   * Extracts a .zip or .tar.gz model archive under a fresh folder in {@code stagingRoot}, which is
   * created if missing. When every entry lies under one folder named {@code modelName} (as {@code
   * tar czf m.tar.gz m/} makes), that folder is the model folder. {@code in} is read but not
   * closed.
   *
   * @throws ServingException INVALID_ARGUMENT for a malformed, corrupt or hostile archive or a bad
   *     layout; TOO_LARGE past a limit; INTERNAL when the staging folder fails
   */
  public static ModelUpload fromArchive(
      InputStream in, String modelName, Path stagingRoot, UploadLimits limits) {
    Objects.requireNonNull(in, "in");
    return stage(
        modelName,
        stagingRoot,
        limits,
        true,
        (work, stager) -> UploadArchives.extract(in, work.resolve(SPOOL), stager, limits));
  }

  /**
   * Stages a model folder from files by relative path ({@code 1/model.onnx}, {@code config.json},
   * {@code labels.txt}): the {@code file:<path>} parameters of a load request, prefix removed. The
   * same path rules, layout rules and limits apply as for an archive.
   */
  public static ModelUpload fromFiles(
      Map<String, byte[]> files, String modelName, Path stagingRoot, UploadLimits limits) {
    Objects.requireNonNull(files, "files");
    return stage(
        modelName,
        stagingRoot,
        limits,
        false,
        (work, stager) -> {
          // Sorted, so the first problem reported does not depend on the map's order.
          List<String> names = new ArrayList<>(files.keySet());
          names.sort(Comparator.nullsFirst(Comparator.naturalOrder()));
          for (String name : names) {
            byte[] content = files.get(name);
            if (content == null) {
              throw UploadStager.invalidEntry(String.valueOf(name), "has no content");
            }
            stager.addFile(name, new ByteArrayInputStream(content));
          }
        });
  }

  public String modelName() {
    return modelName;
  }

  /** The staged model folder; its name is the model's name. */
  public Path dir() {
    return dir;
  }

  public SortedSet<Long> versions() {
    return versions;
  }

  /** The staged config.yaml or config.json, if the upload has one. */
  public Optional<Path> config() {
    return Optional.ofNullable(config);
  }

  /** The config and the other plain files directly in the model folder, sorted by name. */
  public List<Path> topLevelFiles() {
    return topLevelFiles;
  }

  /** The staged folder of one version. */
  Path versionDir(long version) {
    return dir.resolve(Long.toString(version));
  }

  /** Deletes whatever is still staged; closing again does nothing. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      deleteQuietly(work);
    }
  }

  @FunctionalInterface
  private interface Filler {
    void fill(Path work, UploadStager stager) throws IOException;
  }

  private static ModelUpload stage(
      String modelName,
      Path stagingRoot,
      UploadLimits limits,
      boolean mayHaveTopFolder,
      Filler filler) {
    if (!ModelRepository.isValidModelName(modelName)) {
      throw ServingException.invalidArgument(
          "model name '"
              + UploadStager.printable(String.valueOf(modelName))
              + "' is not valid; expected up to 128 letters, digits, '_', '.' or '-', not"
              + " starting with '.' or '-'");
    }
    Objects.requireNonNull(stagingRoot, "stagingRoot");
    Objects.requireNonNull(limits, "limits");
    Path work;
    try {
      Files.createDirectories(stagingRoot);
      work = Files.createTempDirectory(stagingRoot, "upload-");
    } catch (IOException e) {
      throw ServingException.internal("cannot create a staging folder in " + stagingRoot, e);
    }
    try {
      UploadStager stager = new UploadStager(work.resolve(RAW), limits);
      filler.fill(work, stager);
      return finish(work, stager, modelName, mayHaveTopFolder);
    } catch (IOException e) {
      deleteQuietly(work);
      throw ServingException.internal("cannot stage the upload of model " + modelName, e);
    } catch (RuntimeException | Error e) {
      deleteQuietly(work);
      throw e;
    }
  }

  /** Checks the layout, then moves the content to {@code work/<modelName>}. */
  private static ModelUpload finish(
      Path work, UploadStager stager, String modelName, boolean mayHaveTopFolder)
      throws IOException {
    String prefix = mayHaveTopFolder && isWrappedIn(stager, modelName) ? modelName + "/" : "";
    SortedMap<String, Long> files = new TreeMap<>();
    stager.files().forEach((path, size) -> files.put(path.substring(prefix.length()), size));
    SortedSet<Long> versions = new TreeSet<>();
    for (String folder : stager.folders()) {
      String path =
          prefix.isEmpty()
              ? folder
              : folder.equals(modelName) ? "" : folder.substring(prefix.length());
      if (!path.isEmpty() && path.indexOf('/') < 0) {
        versions.add(parseVersion(path, modelName));
      }
    }
    List<String> topLevel = new ArrayList<>();
    SortedSet<Long> loadable = new TreeSet<>();
    files.forEach(
        (path, size) -> {
          int slash = path.indexOf('/');
          if (slash < 0) {
            topLevel.add(path);
          } else if (size > 0) {
            loadable.add(Long.parseLong(path.substring(0, slash)));
          }
        });
    String config = configOf(topLevel);
    checkLoadable(versions, loadable, modelName);
    Path source = prefix.isEmpty() ? stager.root() : stager.root().resolve(modelName);
    Files.move(source, work.resolve(modelName), StandardCopyOption.ATOMIC_MOVE);
    FileTrees.deleteRecursively(stager.root());
    return new ModelUpload(modelName, work, versions, topLevel, config);
  }

  /**
   * Whether every entry lies in one folder named for the model. A model named like a version ("7")
   * is ambiguous: its folder counts as a wrapper only when files lie in folders below it.
   */
  private static boolean isWrappedIn(UploadStager stager, String modelName) {
    String prefix = modelName + "/";
    boolean allInside =
        !stager.files().isEmpty()
            && stager.files().keySet().stream().allMatch(path -> path.startsWith(prefix))
            && stager.folders().stream()
                .allMatch(path -> path.equals(modelName) || path.startsWith(prefix));
    if (!allInside || !DIGITS.matcher(modelName).matches()) {
      return allInside;
    }
    return stager.files().keySet().stream()
        .anyMatch(path -> path.indexOf('/', prefix.length()) >= 0);
  }

  private static long parseVersion(String folder, String modelName) {
    if (VERSION.matcher(folder).matches()) {
      return Long.parseLong(folder);
    }
    if (DIGITS.matcher(folder).matches()) {
      throw ServingException.invalidArgument(
          "version folder '"
              + folder
              + "' in the upload of model "
              + modelName
              + " is not a positive integer without leading zeros; name versions 1, 2, 3, ...");
    }
    throw ServingException.invalidArgument(
        "unexpected top-level folder '"
            + UploadStager.printable(folder)
            + "' in the upload of model "
            + modelName
            + "; "
            + LAYOUT);
  }

  private static String configOf(List<String> topLevel) {
    List<String> configs =
        ModelConfigParser.CONFIG_FILES.stream().filter(topLevel::contains).toList();
    if (configs.size() > 1) {
      throw ServingException.invalidArgument(
          "upload holds " + String.join(" and ", configs) + "; keep exactly one config file");
    }
    return configs.isEmpty() ? null : configs.get(0);
  }

  private static void checkLoadable(
      SortedSet<Long> versions, SortedSet<Long> loadable, String modelName) {
    if (versions.isEmpty()) {
      throw ServingException.invalidArgument(
          "upload of model "
              + modelName
              + " has nothing loadable: no version folder; expected at least one version"
              + " folder holding a model file, such as 1/model.onnx");
    }
    for (long version : versions) {
      if (!loadable.contains(version)) {
        throw ServingException.invalidArgument(
            "version folder "
                + version
                + " in the upload of model "
                + modelName
                + " holds no non-empty file; expected a model file such as "
                + version
                + "/model.onnx");
      }
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      FileTrees.deleteRecursively(path);
    } catch (IOException e) {
      // What is left lies under the staging root, which the writer clears at startup.
      log.warn("cannot delete staged upload {}: {}", path, e.toString());
    }
  }
}
