package org.modelserver.server.finetune;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code finetune} command's flags, checked once. The names are the server's where they mean
 * the same thing ({@code --model-repository}, {@code --training-data-dir}, {@code --torch-threads},
 * ...).
 *
 * @param baseVersion the version to start from; empty: the model's default version
 */
record FineTuneArgs(
    Path modelRepository,
    String model,
    Path spec,
    Optional<Long> baseVersion,
    Path trainingDataDir,
    Path torchCacheDir,
    int torchThreads,
    int torchInteropThreads) {

  static final String USAGE =
      """
      Usage: java -jar model-server.jar finetune --model-repository=DIR --model=NAME \\
                 --spec=FILE [--base-version=N] [options]

      Fine-tunes a TorchScript model of the repository as one batch job, without starting the
      server, and publishes the result as the model's next version (atomically, with its
      training.json). Serving replicas in poll mode pick it up at their next poll.

        --model-repository=DIR   the model repository (required)
        --model=NAME             the model to fine-tune (required)
        --spec=FILE              the job's settings: the JSON body of
                                 POST /v2/models/{model}/finetune (required)
        --base-version=N         the version to start from (default: the model's default)
        --training-data-dir=DIR  where dataset.path is looked up (default: ./training-data)
        --torch-threads=N        libtorch's intra-op threads; 0: one per core (default: 0)
        --torch-interop-threads=N  libtorch's inter-op threads (default: 1)
        --torch-cache-dir=DIR    where libtorch is unpacked (default: ~/.djl.ai)
        --help                   this text

      As in the server, MODEL_REPOSITORY, TRAINING_DATA_DIR, TORCH_CACHE_DIR, TORCH_THREADS and
      TORCH_INTEROP_THREADS stand in for the flags of the same name.

      Exit codes: 0 published; 1 the job failed while training or publishing; 2 a bad command
      line, spec, model or dataset (nothing ran); 130/143 stopped by SIGINT/SIGTERM (nothing
      published). Progress goes to stdout, the reason of a failure to stderr.
      """;

  private static final Set<String> FLAGS =
      Set.of(
          "model-repository",
          "model",
          "spec",
          "base-version",
          "training-data-dir",
          "torch-cache-dir",
          "torch-threads",
          "torch-interop-threads");

  /** The flags that, as in the server, may come from an environment variable instead. */
  private static final List<String> ENVIRONMENT =
      List.of(
          "model-repository",
          "training-data-dir",
          "torch-cache-dir",
          "torch-threads",
          "torch-interop-threads");

  /** A command line that cannot run; the message says why. */
  static final class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /**
   * @return empty when {@code --help} was asked for
   * @throws UsageException naming the bad or missing flag
   */
  static Optional<FineTuneArgs> parse(Map<String, String> environment, String... args) {
    Map<String, String> values = new HashMap<>();
    // As the server: a flag, else its environment variable (MODEL_REPOSITORY, TORCH_CACHE_DIR...).
    for (String name : ENVIRONMENT) {
      String value = environment.get(name.toUpperCase(Locale.ROOT).replace('-', '_'));
      if (value != null && !value.isBlank()) {
        values.put(name, value);
      }
    }
    Set<String> given = new HashSet<>();
    for (String arg : args) {
      if (arg.equals("--help") || arg.equals("-h")) {
        return Optional.empty();
      }
      int equals = arg.indexOf('=');
      if (!arg.startsWith("--") || equals < 0) {
        throw new UsageException("unexpected argument '" + arg + "'; flags look like --name=value");
      }
      String name = arg.substring(2, equals);
      if (!FLAGS.contains(name)) {
        throw new UsageException("unknown flag --" + name);
      }
      if (!given.add(name)) {
        throw new UsageException("--" + name + " is given twice");
      }
      values.put(name, arg.substring(equals + 1));
    }
    return Optional.of(
        new FineTuneArgs(
            Path.of(required(values, "model-repository")),
            required(values, "model"),
            Path.of(required(values, "spec")),
            Optional.ofNullable(values.get("base-version"))
                .map(text -> number(text, "base-version", 1, Long.MAX_VALUE)),
            Path.of(values.getOrDefault("training-data-dir", "training-data")),
            Path.of(
                values.getOrDefault(
                    "torch-cache-dir",
                    Path.of(System.getProperty("user.home"), ".djl.ai").toString())),
            (int)
                number(
                    values.getOrDefault("torch-threads", "0"),
                    "torch-threads",
                    0,
                    Integer.MAX_VALUE),
            (int)
                number(
                    values.getOrDefault("torch-interop-threads", "1"),
                    "torch-interop-threads",
                    0,
                    Integer.MAX_VALUE)));
  }

  private static String required(Map<String, String> values, String name) {
    String value = values.get(name);
    if (value == null || value.isBlank()) {
      throw new UsageException("--" + name + " is required");
    }
    return value;
  }

  private static long number(String text, String name, long min, long max) {
    try {
      long value = Long.parseLong(text.trim());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // Told below.
    }
    throw new UsageException(
        "--" + name + " must be a whole number of " + min + " or more, got '" + text + "'");
  }
}
