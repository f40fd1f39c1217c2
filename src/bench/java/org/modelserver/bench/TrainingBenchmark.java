package org.modelserver.bench;

import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.ModelConfigParser;
import org.modelserver.runtime.engine.torch.TorchEngine;
import org.modelserver.runtime.train.data.TrainingData;
import org.modelserver.runtime.train.spec.DatasetFormat;
import org.modelserver.runtime.train.spec.TrainingSpec;
import org.modelserver.runtime.train.torch.FineTuneResult;
import org.modelserver.runtime.train.torch.FineTuner;
import org.modelserver.runtime.train.torch.TrainingListener;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Training throughput of the project's {@link FineTuner} (libtorch through DJL) on the example
 * MLPs, to compare with the same loop in Python PyTorch ({@code src/bench/train_bench.py}).
 *
 * <p>For each model it generates a synthetic dataset with a fixed seed and writes it as CSV to
 * {@code --data-dir} (the Python side reads the same file), then, for each batch size, runs 1-epoch
 * warm-up fine-tunings for {@code --warmup-seconds} and {@code --runs} measured ones of {@code
 * --epochs}, each from the base model file: plain SGD, shuffled epochs, no validation split.
 *
 * <ul>
 *   <li>{@code binary_classifier_torch} (2 → 8 → 1, sigmoid): bce; label 1 when the two features
 *       have the same sign.
 *   <li>{@code classifier_torch} (4 → 16 → 3, softmax): its output is probabilities, not logits, so
 *       cross_entropy (log-softmax of its input) would apply a second softmax; it is trained with
 *       mse against one-hot targets. The class is the argmax of a fixed random linear map.
 * </ul>
 *
 * <p>Machine-readable lines on standard output: {@code RUN side=java model=M batch=B run=I ...} per
 * measured run and {@code RESULT side=java model=M batch=B ...} with the medians (plus the best
 * run's loop figure, the least disturbed by other load on the machine), where {@code
 * loop_samples_per_s} is the {@link FineTuneResult#samplesPerSecond()} (the epochs only) and {@code
 * wall_samples_per_s} the samples over the whole {@code run} call (loading the model, creating the
 * trainer, the epochs and writing the TorchScript file). Not a JUnit test; {@code
 * src/bench/train_bench.sh} runs it with the runtime's test classpath in {@code CLASSPATH}.
 */
public final class TrainingBenchmark {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private TrainingBenchmark() {}

  /** A model to train, its loss and how its synthetic targets are written as CSV columns. */
  private enum Workload {
    BINARY("binary_classifier_torch", "bce", 2, 1) {
      @Override
      void target(float[] features, float[][] weights, StringBuilder row) {
        row.append(features[0] * features[1] > 0 ? '1' : '0');
      }
    },
    MULTICLASS("classifier_torch", "mse", 4, 3) {
      @Override
      void target(float[] features, float[][] weights, StringBuilder row) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < weights.length; c++) {
          double score = 0;
          for (int f = 0; f < features.length; f++) {
            score += weights[c][f] * features[f];
          }
          if (score > bestScore) {
            bestScore = score;
            best = c;
          }
        }
        for (int c = 0; c < weights.length; c++) {
          row.append(c == 0 ? "" : ",").append(c == best ? '1' : '0');
        }
      }
    };

    final String model;
    final String loss;
    final int features;
    final int outputs;

    Workload(String model, String loss, int features, int outputs) {
      this.model = model;
      this.loss = loss;
      this.features = features;
      this.outputs = outputs;
    }

    /** Appends the target columns of one sample. */
    abstract void target(float[] features, float[][] weights, StringBuilder row);

    static Workload of(String model) {
      for (Workload workload : values()) {
        if (workload.model.equals(model)) {
          return workload;
        }
      }
      throw new IllegalArgumentException(
          "unknown model '" + model + "'; expected binary_classifier_torch or classifier_torch");
    }
  }

  private record Options(
      Path modelRepo,
      List<Workload> workloads,
      int samples,
      List<Integer> batches,
      int epochs,
      double warmupSeconds,
      int runs,
      double learningRate,
      long seed,
      int threads,
      Path dataDir,
      Path torchCache,
      String loss) {

    /** The loss to train {@code workload} with: its own unless --loss overrides it. */
    String lossOf(Workload workload) {
      return loss == null ? workload.loss : loss;
    }
  }

  public static void main(String[] args) {
    BenchMain.run(
        "TrainingBenchmark",
        usage(),
        args,
        TrainingBenchmark::parse,
        options -> {
          run(options);
          return 0;
        },
        1);
  }

  private static String usage() {
    return "usage: TrainingBenchmark [--model-repo DIR] [--models a,b] [--samples N]"
        + " [--batches 32,256] [--epochs N] [--warmup-seconds S] [--runs N] [--lr X] [--seed N]"
        + " [--threads N] [--data-dir DIR] [--torch-cache DIR] [--loss NAME]\n"
        + "  --models: binary_classifier_torch, classifier_torch (default both)\n"
        + "  --threads: libtorch's intra-op threads, process-wide (0 = libtorch's default)\n"
        + "  --data-dir: where the synthetic CSV datasets and tuned models are written\n"
        + "  --loss: train every model with this loss instead of its own (to time a loss)";
  }

  private static Options parse(String[] args) {
    Path modelRepo = Path.of("model-repo");
    List<Workload> workloads = List.of(Workload.values());
    int samples = 65_536;
    List<Integer> batches = List.of(32, 256);
    int epochs = 3;
    double warmupSeconds = 10;
    int runs = 3;
    double lr = 0.05;
    long seed = 42;
    int threads = 1;
    Path dataDir = Path.of("target/bench/training");
    Path torchCache = Path.of(System.getProperty("user.home"), ".djl.ai");
    String loss = null;
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
          case "--model-repo" -> modelRepo = Path.of(value);
          case "--models" -> workloads = Arrays.stream(value.split(",")).map(Workload::of).toList();
          case "--samples" -> samples = Integer.parseInt(value);
          case "--batches" ->
              batches =
                  Arrays.stream(value.split(",")).map(s -> Integer.parseInt(s.trim())).toList();
          case "--epochs" -> epochs = Integer.parseInt(value);
          case "--warmup-seconds" -> warmupSeconds = Double.parseDouble(value);
          case "--runs" -> runs = Integer.parseInt(value);
          case "--lr" -> lr = Double.parseDouble(value);
          case "--seed" -> seed = Long.parseLong(value);
          case "--threads" -> threads = Integer.parseInt(value);
          case "--data-dir" -> dataDir = Path.of(value);
          case "--torch-cache" -> torchCache = Path.of(value);
          case "--loss" -> loss = value;
          default -> throw new IllegalArgumentException("unknown option " + arg);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("option " + arg + " needs a number, got " + value, e);
      }
    }
    if (samples < 1
        || epochs < 1
        || !(warmupSeconds >= 0)
        || runs < 1
        || threads < 0
        || !(lr > 0)) {
      throw new IllegalArgumentException(
          "samples, epochs, runs and lr must be positive; warm-up seconds and threads 0 or more");
    }
    if (batches.isEmpty() || batches.stream().anyMatch(b -> b < 1)) {
      throw new IllegalArgumentException("batch sizes must be 1 or more");
    }
    return new Options(
        modelRepo,
        workloads,
        samples,
        batches,
        epochs,
        warmupSeconds,
        runs,
        lr,
        seed,
        threads,
        dataDir,
        torchCache,
        loss);
  }

  private static void run(Options options) {
    try {
      Files.createDirectories(options.dataDir());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (TorchEngine engine =
        new TorchEngine(new TorchEngine.Options(options.torchCache(), options.threads(), 0))) {
      engine.ensureStarted();
      System.out.printf(
          Locale.ROOT,
          "INFO side=java libtorch=%s threads=%d interop_threads=%d processors=%d%n",
          ai.djl.engine.Engine.getEngine("PyTorch").getVersion(),
          JniUtils.getNumThreads(),
          JniUtils.getNumInteropThreads(),
          Runtime.getRuntime().availableProcessors());
      FineTuner tuner = new FineTuner(engine);
      for (Workload workload : options.workloads()) {
        benchmark(tuner, workload, options);
      }
    }
  }

  private static void benchmark(FineTuner tuner, Workload workload, Options options) {
    Path modelDir = options.modelRepo().resolve(workload.model);
    ModelConfig config = new ModelConfigParser().read(workload.model, modelDir);
    Path modelFile = modelDir.resolve(latestVersion(modelDir)).resolve("model.pt");
    Path csv = options.dataDir().resolve(workload.model + ".csv");
    byte[] dataset = dataset(workload, options.samples(), options.seed());
    try {
      Files.write(csv, dataset);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.out.printf(
        Locale.ROOT,
        "INFO side=java model=%s file=%s loss=%s data=%s samples=%d%n",
        workload.model,
        modelFile,
        options.lossOf(workload),
        csv,
        options.samples());
    TrainingData data = null;
    for (int batch : options.batches()) {
      TrainingSpec spec = spec(workload, config, options, batch, options.epochs());
      if (data == null) {
        data = TrainingData.parse(DatasetFormat.CSV, dataset, config, spec);
      }
      Path output = options.dataDir().resolve(workload.model + "-java-b" + batch + ".pt");
      // The JIT needs several seconds of training on a busy 2-core machine before the steps
      // reach their steady speed; one short warm-up run is not enough.
      TrainingSpec warmup = spec(workload, config, options, batch, 1);
      long warmupEnd = System.nanoTime() + (long) (options.warmupSeconds() * 1e9);
      while (options.warmupSeconds() > 0 && System.nanoTime() < warmupEnd) {
        tuner.run(modelFile, config, warmup, data, output, TrainingListener.NONE, () -> false);
      }
      double[] loop = new double[options.runs()];
      double[] wall = new double[options.runs()];
      double loss = Double.NaN;
      for (int r = 0; r < options.runs(); r++) {
        long started = System.nanoTime();
        long cpuStarted = THREADS.getCurrentThreadCpuTime();
        FineTuneResult result =
            tuner.run(modelFile, config, spec, data, output, TrainingListener.NONE, () -> false);
        double seconds = (System.nanoTime() - started) / 1e9;
        // The training thread's CPU time (libtorch runs its ops on it with 1 intra-op thread):
        // less disturbed by other processes than the wall-clock rates.
        double cpuMicrosPerStep =
            (THREADS.getCurrentThreadCpuTime() - cpuStarted)
                / 1e3
                / (options.epochs()
                    * Math.ceil((double) result.samplesTrained() / options.epochs() / batch));
        loop[r] = result.samplesPerSecond();
        wall[r] = result.samplesTrained() / seconds;
        loss = result.finalTrainLoss();
        System.out.printf(
            Locale.ROOT,
            "RUN side=java model=%s batch=%d run=%d epochs=%d samples=%d"
                + " loop_samples_per_s=%.1f wall_samples_per_s=%.1f cpu_us_per_step=%.1f"
                + " final_loss=%.6f%n",
            workload.model,
            batch,
            r + 1,
            options.epochs(),
            result.samplesTrained(),
            loop[r],
            wall[r],
            cpuMicrosPerStep,
            loss);
      }
      System.out.printf(
          Locale.ROOT,
          "RESULT side=java model=%s batch=%d runs=%d epochs=%d loop_samples_per_s=%.1f"
              + " best_loop_samples_per_s=%.1f wall_samples_per_s=%.1f us_per_step=%.1f"
              + " final_loss=%.6f%n",
          workload.model,
          batch,
          options.runs(),
          options.epochs(),
          median(loop),
          Arrays.stream(loop).max().getAsDouble(),
          median(wall),
          1e6 * batch / median(loop),
          loss);
    }
  }

  /** The job settings FineTuner takes; the dataset itself is parsed separately. */
  private static TrainingSpec spec(
      Workload workload, ModelConfig config, Options options, int batch, int epochs) {
    ObjectNode body = JSON.createObjectNode();
    body.putObject("dataset").put("format", "csv").put("path", workload.model + ".csv");
    body.put("loss", options.lossOf(workload));
    body.putObject("optimizer").put("type", "sgd").put("lr", options.learningRate());
    body.put("epochs", epochs);
    body.put("batch_size", batch);
    body.put("shuffle", true);
    body.put("seed", options.seed());
    return TrainingSpec.parse(body, config);
  }

  /** CSV with columns features.0.., target (or target.0..); features are standard normal. */
  private static byte[] dataset(Workload workload, int samples, long seed) {
    Random random = new Random(seed);
    float[][] weights = new float[workload.outputs][workload.features];
    for (float[] row : weights) {
      for (int f = 0; f < row.length; f++) {
        row[f] = (float) random.nextGaussian();
      }
    }
    StringBuilder text = new StringBuilder(samples * 16 * (workload.features + workload.outputs));
    List<String> header = new ArrayList<>();
    for (int f = 0; f < workload.features; f++) {
      header.add("features." + f);
    }
    if (workload.outputs == 1) {
      header.add("target");
    } else {
      for (int c = 0; c < workload.outputs; c++) {
        header.add("target." + c);
      }
    }
    text.append(String.join(",", header)).append('\n');
    float[] features = new float[workload.features];
    for (int s = 0; s < samples; s++) {
      for (int f = 0; f < features.length; f++) {
        features[f] = (float) random.nextGaussian();
        text.append(features[f]).append(',');
      }
      workload.target(features, weights, text);
      text.append('\n');
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String latestVersion(Path modelDir) {
    try (var entries = Files.list(modelDir)) {
      return entries
          .map(p -> p.getFileName().toString())
          .filter(name -> name.matches("[1-9][0-9]{0,17}"))
          .filter(name -> Files.isRegularFile(modelDir.resolve(name).resolve("model.pt")))
          .max((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)))
          .orElseThrow(() -> new IllegalArgumentException("no VERSION/model.pt in " + modelDir));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
