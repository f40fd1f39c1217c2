package org.modelserver.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.ModelConfigParser;
import org.modelserver.runtime.config.ModelSignature;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.device.Device;
import org.modelserver.runtime.engine.Engine;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.LoadSpec;
import org.modelserver.runtime.engine.onnx.OnnxEngine;
import org.modelserver.runtime.engine.torch.TorchEngine;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;

/**
 * The engine's own throughput ceiling: loads one model, ONNX ({@code .onnx}, {@link OnnxEngine}) or
 * TorchScript ({@code .pt}, {@link TorchEngine}), no server, no JSON, no HTTP, and executes it in a
 * loop from one thread for a fixed time at each batch size (1, 2, 4, ... up to {@code
 * --max-batch}), then reports the batch size with the most inferences per second.
 *
 * <p>ONNX input shapes come from the model's own signature. A TorchScript file carries none, so
 * they come from the model folder's {@code config.yaml} ({@code --config DIR}; by default the
 * file's grandparent, as in {@code MODEL/VERSION/model.pt}), whose dims exclude the batch
 * dimension. libtorch's intra-op thread count is process-wide and fixed when it starts: {@code
 * --threads} is passed to it there (0 = libtorch's default).
 *
 * <p>Not a JUnit test (surefire does not pick it up); {@code src/bench/run.sh} runs it with the
 * runtime's test classpath:
 *
 * <pre>
 * java -cp runtime/target/classes:runtime/target/test-classes:$CP \
 *     org.modelserver.bench.EngineBenchmark --model model-repo/classifier/2/model.onnx \
 *     --max-batch 32 --seconds 3
 * java ... EngineBenchmark --model model-repo/classifier_torch/2/model.pt --max-batch 32
 * </pre>
 *
 * <p>The last line of its output is machine-readable: {@code RESULT best_batch=N inferences_per_s=X
 * mean_ms=Y}, or {@code ERROR reason} (exit status 1) when the model cannot be loaded or run.
 */
public final class EngineBenchmark {

  private EngineBenchmark() {}

  /** Which engine runs the file, from its extension. */
  private enum Kind {
    ONNX("ONNX Runtime"),
    TORCH("libtorch");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  /** Command-line options; {@code configDir} is null when no config is read. */
  private record Options(
      Path model,
      Kind kind,
      Path configDir,
      Path torchCache,
      String name,
      List<Integer> batches,
      double seconds,
      double warmupSeconds,
      int threads,
      long otherDynamicDim) {}

  /** The loaded model: its full input shapes (leading -1 = batch) and output names. */
  private record Io(List<TensorSpec> inputs, Set<String> outputs) {}

  /** One batch size's measurement. */
  private record Measurement(int batch, long executions, double seconds) {
    double executionsPerSecond() {
      return executions / seconds;
    }

    double inferencesPerSecond() {
      return executionsPerSecond() * batch;
    }

    double meanMillis() {
      return seconds * 1000.0 / executions;
    }
  }

  public static void main(String[] args) {
    BenchMain.run(
        "EngineBenchmark",
        usage(),
        args,
        EngineBenchmark::parse,
        options -> {
          run(options);
          return 0;
        },
        1);
  }

  private static String usage() {
    return "usage: EngineBenchmark --model FILE.onnx|FILE.pt [--config MODEL_DIR] [--name NAME]"
        + " [--max-batch N | --batches 1,2,4] [--seconds S] [--warmup S] [--threads N]"
        + " [--other-dynamic-dim N] [--torch-cache DIR]\n"
        + "  --config: the model folder whose config.yaml declares a TorchScript model's inputs"
        + " (default: the .pt file's grandparent); optional for ONNX\n"
        + "  --threads: intra-op threads, 0 = the engine's default (libtorch: process-wide)\n"
        + "  --torch-cache: where libtorch's natives are unpacked (default ~/.djl.ai)";
  }

  private static Options parse(String[] args) {
    Path model = null;
    Path configDir = null;
    Path torchCache = Path.of(System.getProperty("user.home"), ".djl.ai");
    String name = null;
    int maxBatch = 32;
    List<Integer> batches = null;
    double seconds = 3;
    double warmup = 1;
    int threads = 0;
    long otherDim = 1;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        System.out.println(usage());
        System.exit(0);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + arg + " needs a value");
      }
      String value = args[++i];
      try {
        switch (arg) {
          case "--model" -> model = Path.of(value);
          case "--config" -> configDir = Path.of(value);
          case "--torch-cache" -> torchCache = Path.of(value);
          case "--name" -> name = value;
          case "--max-batch" -> maxBatch = Integer.parseInt(value);
          case "--batches" -> {
            batches = new ArrayList<>();
            for (String part : value.split(",")) {
              batches.add(Integer.parseInt(part.trim()));
            }
          }
          case "--seconds" -> seconds = Double.parseDouble(value);
          case "--warmup" -> warmup = Double.parseDouble(value);
          case "--threads" -> threads = Integer.parseInt(value);
          case "--other-dynamic-dim" -> otherDim = Long.parseLong(value);
          default -> throw new IllegalArgumentException("unknown option " + arg);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("option " + arg + " needs a number, got " + value, e);
      }
    }
    if (model == null) {
      throw new IllegalArgumentException("--model is required");
    }
    if (!Files.isRegularFile(model)) {
      throw new IllegalArgumentException("model file " + model + " does not exist");
    }
    String file = model.getFileName().toString();
    Kind kind;
    if (file.endsWith(".onnx")) {
      kind = Kind.ONNX;
    } else if (file.endsWith(".pt")) {
      kind = Kind.TORCH;
    } else {
      throw new IllegalArgumentException(
          "model file " + model + ": expected .onnx (ONNX Runtime) or .pt (TorchScript)");
    }
    if (kind == Kind.TORCH && configDir == null) {
      Path version = model.toAbsolutePath().getParent();
      configDir = version == null ? null : version.getParent();
      if (configDir == null) {
        throw new IllegalArgumentException("--config MODEL_DIR is required for " + model);
      }
    }
    if (configDir != null && ModelConfigParser.configFile(configDir).isEmpty()) {
      throw new IllegalArgumentException(
          "no config.yaml or config.json in "
              + configDir
              + (kind == Kind.TORCH
                  ? ": a TorchScript model's inputs must be declared there (--config MODEL_DIR)"
                  : ""));
    }
    if (name == null) {
      name = configDir != null ? configDir.toAbsolutePath().getFileName().toString() : "bench";
    }
    if (batches == null) {
      if (maxBatch < 1) {
        throw new IllegalArgumentException("--max-batch must be 1 or more");
      }
      batches = new ArrayList<>();
      for (int b = 1; b < maxBatch; b *= 2) {
        batches.add(b);
      }
      batches.add(maxBatch);
    }
    for (int b : batches) {
      if (b < 1) {
        throw new IllegalArgumentException("batch sizes must be 1 or more, got " + b);
      }
    }
    if (seconds <= 0 || warmup < 0 || threads < 0 || otherDim < 1) {
      throw new IllegalArgumentException("durations, threads and dims must be positive");
    }
    return new Options(
        model,
        kind,
        configDir,
        torchCache,
        name,
        List.copyOf(batches),
        seconds,
        warmup,
        threads,
        otherDim);
  }

  private static Engine engine(Options options) {
    // libtorch's thread pools are process-wide: set when it starts, here; 0 = its default.
    return switch (options.kind()) {
      case ONNX -> new OnnxEngine();
      case TORCH ->
          new TorchEngine(new TorchEngine.Options(options.torchCache(), options.threads(), 0));
    };
  }

  /** The version folder's number when the file sits in one (MODEL/VERSION/file), else 1. */
  private static long version(Path model) {
    Path parent = model.toAbsolutePath().getParent();
    String folder = parent == null ? "" : parent.getFileName().toString();
    return folder.matches("[1-9][0-9]{0,17}") ? Long.parseLong(folder) : 1;
  }

  /**
   * Input shapes (with the batch dimension) and output names: ONNX's from the session's signature,
   * TorchScript's from the config, whose dims exclude the batch dimension when it batches.
   */
  private static Io io(Options options, ModelConfig config, EngineSession session) {
    Set<String> outputs = new LinkedHashSet<>();
    if (options.kind() == Kind.ONNX) {
      ModelSignature signature =
          session
              .signature()
              .orElseThrow(() -> new IllegalStateException("the ONNX model has no signature"));
      for (TensorSpec output : signature.outputs()) {
        outputs.add(output.name());
      }
      return new Io(signature.inputs(), outputs);
    }
    if (!config.batched()) {
      throw new IllegalStateException(
          "the config in "
              + options.configDir()
              + " has no max_batch_size: the model takes no batch dimension to sweep");
    }
    List<TensorSpec> inputs = new ArrayList<>();
    for (TensorSpec input : config.inputs()) {
      inputs.add(new TensorSpec(input.name(), input.dataType(), input.shape(true)));
    }
    for (TensorSpec output : config.outputs()) {
      outputs.add(output.name());
    }
    return new Io(inputs, outputs);
  }

  private static void run(Options options) {
    ModelConfig config =
        options.configDir() == null
            ? ModelConfig.builder(options.name()).build()
            : new ModelConfigParser().read(options.name(), options.configDir());
    LoadSpec spec =
        new LoadSpec(
            options.name(),
            version(options.model()),
            options.model(),
            config,
            Device.CPU,
            options.threads());
    try (Engine engine = engine(options);
        EngineSession session = engine.load(spec)) {
      Io io = io(options, config, session);
      Set<String> outputs = io.outputs();
      System.out.printf(
          Locale.ROOT,
          "EngineBenchmark: %s (%s), %d available processors, intra-op threads %s, %.1f s per"
              + " batch size (after %.1f s warm-up)%n",
          options.model(),
          options.kind().label,
          Runtime.getRuntime().availableProcessors(),
          options.threads() == 0
              ? options.kind().label + " default"
              : Integer.toString(options.threads()),
          options.seconds(),
          options.warmupSeconds());
      if (options.configDir() != null) {
        System.out.println("  config " + ModelConfigParser.configFile(options.configDir()).get());
      }
      for (TensorSpec input : io.inputs()) {
        System.out.println(
            "  input  "
                + input.name()
                + " "
                + input.dataType()
                + " "
                + SyntheticInputs.fmt(input.dims()));
      }
      System.out.printf(
          Locale.ROOT,
          "%6s %12s %14s %16s %10s%n",
          "batch",
          "executions",
          "executions/s",
          "inferences/s",
          "mean ms");
      Measurement best = null;
      double checksum = 0;
      for (int batch : options.batches()) {
        Map<String, Tensor> inputs =
            SyntheticInputs.of(io.inputs(), batch, options.otherDynamicDim());
        checksum += loop(session, inputs, outputs, options.warmupSeconds()).checksum;
        Loop measured = loop(session, inputs, outputs, options.seconds());
        checksum += measured.checksum;
        Measurement m = new Measurement(batch, measured.executions, measured.seconds);
        System.out.printf(
            Locale.ROOT,
            "%6d %12d %14.1f %16.1f %10.3f%n",
            batch,
            m.executions(),
            m.executionsPerSecond(),
            m.inferencesPerSecond(),
            m.meanMillis());
        if (best == null || m.inferencesPerSecond() > best.inferencesPerSecond()) {
          best = m;
        }
      }
      if (Double.isNaN(checksum)) {
        System.out.println("(outputs contained NaN)");
      }
      System.out.printf(
          Locale.ROOT,
          "RESULT best_batch=%d inferences_per_s=%.1f mean_ms=%.3f%n",
          best.batch(),
          best.inferencesPerSecond(),
          best.meanMillis());
    }
  }

  /** The result of one timed loop; the checksum keeps the outputs observably used. */
  private record Loop(long executions, double seconds, double checksum) {}

  private static Loop loop(
      EngineSession session, Map<String, Tensor> inputs, Set<String> outputs, double seconds) {
    long start = System.nanoTime();
    long deadline = start + (long) (seconds * 1e9);
    long executions = 0;
    double checksum = 0;
    long now = start;
    while (seconds > 0 && now < deadline) {
      Map<String, Tensor> result = session.execute(inputs, outputs);
      checksum += firstValue(result.values().iterator().next());
      executions++;
      now = System.nanoTime();
    }
    return new Loop(executions, (now - start) / 1e9, checksum);
  }

  private static double firstValue(Tensor tensor) {
    if (tensor.dataType() == DataType.FP32 && tensor.elementCount() > 0) {
      return tensor.data().getFloat(0);
    }
    return tensor.elementCount();
  }
}
