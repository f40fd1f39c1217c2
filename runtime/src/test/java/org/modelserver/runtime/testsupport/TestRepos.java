package org.modelserver.runtime.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The example model repository checked into {@code model-repo/}, and helpers to copy parts of it
 * into a temporary folder where a test may break them.
 */
public final class TestRepos {
  /**
   * The build sets {@code modelserver.test.repo}; without it, Maven runs each module's tests with
   * the module folder ({@code runtime/} or {@code server/}) as the working directory.
   */
  private static final Path MODEL_REPO =
      Path.of(System.getProperty("modelserver.test.repo", "../model-repo"))
          .toAbsolutePath()
          .normalize();

  /** The ONNX example models. */
  public static final List<String> ALL_MODELS =
      List.of("classifier", "identity_types", "mixed_io", "token_embed");

  /** The TorchScript example models. */
  public static final List<String> TORCH_MODELS =
      List.of(
          "binary_classifier_torch",
          "classifier_torch",
          "mixed_io_torch",
          "regressor_torch",
          "token_embed_torch");

  /** The steps of the feature_pipeline ensemble (no reference cases of their own). */
  public static final List<String> ENSEMBLE_STEPS = List.of("feature_extractor", "classifier_head");

  /** The example ensembles, which load through ModelManager after their steps. */
  public static final List<String> ENSEMBLES = List.of("feature_pipeline");

  /**
   * Every model of the example repository but the ensembles (identity_half has no JSON reference
   * cases).
   */
  public static final List<String> EVERY_MODEL =
      java.util.stream.Stream.of(ALL_MODELS, TORCH_MODELS, ENSEMBLE_STEPS, List.of("identity_half"))
          .flatMap(List::stream)
          .toList();

  private TestRepos() {}

  /** The real example repository; fails with a clear message when it cannot be found. */
  public static Path modelRepo() {
    if (!Files.isDirectory(MODEL_REPO.resolve("classifier"))) {
      throw new IllegalStateException(
          "example model repository not found at "
              + MODEL_REPO
              + "; run the tests from a module folder (runtime/ or server/)");
    }
    return MODEL_REPO;
  }

  public static Path modelDir(String model) {
    return modelRepo().resolve(model);
  }

  public static Path modelFile(String model, long version) {
    return modelDir(model).resolve(Long.toString(version)).resolve("model.onnx");
  }

  /** Copies one model folder of the example repository (recursively) under {@code root}. */
  public static Path copyModel(String model, Path root) {
    return copyModelAs(model, model, root);
  }

  /** Copies one model folder of the example repository under {@code root} with a new name. */
  public static Path copyModelAs(String model, String newName, Path root) {
    Path source = modelDir(model);
    Path target = root.resolve(newName);
    copyTree(source, target);
    return target;
  }

  /** Copies a folder recursively. */
  public static void copyTree(Path source, Path target) {
    try (Stream<Path> paths = Files.walk(source)) {
      for (Path path : paths.toList()) {
        Path destination = target.resolve(source.relativize(path).toString());
        if (Files.isDirectory(path)) {
          Files.createDirectories(destination);
        } else {
          Files.copy(path, destination);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void write(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void delete(Path file) {
    try {
      Files.delete(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void mkdirs(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
