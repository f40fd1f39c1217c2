package org.modelserver.runtime.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** The platform names of Triton's model configuration and the model files they load. */
public final class Platforms {
  public static final String ONNX = "onnxruntime_onnx";
  public static final String TORCH = "pytorch_libtorch";

  /** Triton's ensemble: no model file, steps run on other models. */
  public static final String ENSEMBLE = "ensemble";

  private static final Map<String, String> DEFAULT_FILES =
      Map.of(ONNX, "model.onnx", TORCH, "model.pt");

  /** Triton's {@code backend} names for the platforms above. */
  private static final Map<String, String> BACKENDS = Map.of("onnxruntime", ONNX, "pytorch", TORCH);

  private Platforms() {}

  public static boolean isKnown(String platform) {
    return DEFAULT_FILES.containsKey(platform);
  }

  public static String defaultFilename(String platform) {
    String file = DEFAULT_FILES.get(platform);
    if (file == null) {
      throw new IllegalArgumentException("unknown platform " + platform);
    }
    return file;
  }

  public static Optional<String> fromBackend(String backend) {
    return Optional.ofNullable(BACKENDS.get(backend));
  }

  /** The platform whose default model file is present in a version folder, if exactly one is. */
  public static Optional<String> inferFrom(Path versionDir) {
    String found = null;
    for (Map.Entry<String, String> entry : DEFAULT_FILES.entrySet()) {
      if (Files.isRegularFile(versionDir.resolve(entry.getValue()))) {
        if (found != null) {
          return Optional.empty();
        }
        found = entry.getKey();
      }
    }
    return Optional.ofNullable(found);
  }

  /** Whether a version folder holds more than one platform's default model file. */
  public static boolean hasSeveralModelFiles(Path versionDir) {
    return DEFAULT_FILES.values().stream()
            .filter(file -> Files.isRegularFile(versionDir.resolve(file)))
            .count()
        > 1;
  }

  public static String describe() {
    return ONNX + " (model.onnx) or " + TORCH + " (model.pt)";
  }
}
