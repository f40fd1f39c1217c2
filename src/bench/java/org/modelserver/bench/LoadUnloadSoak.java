package org.modelserver.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.modelserver.runtime.engine.Engine;
import org.modelserver.runtime.engine.Engines;
import org.modelserver.runtime.engine.onnx.OnnxEngine;
import org.modelserver.runtime.engine.torch.TorchEngine;
import org.modelserver.runtime.inference.InferenceService;
import org.modelserver.runtime.registry.ModelManager;
import org.modelserver.runtime.repository.FileTrees;
import org.modelserver.runtime.tensor.Tensor;

/**
 * Soak run (not a unit test): loads a classifier, runs inferences and unloads it, N times, and
 * records the process's resident memory, to show that load/unload cycles leak no memory.
 *
 * <p>{@code --mode managed} (default) goes through the server's management path: a {@link
 * ModelManager} in explicit mode on a temporary copy of the model folder, {@code load}, inferences
 * through {@link InferenceService}, {@code unload} (drain, then free). {@code --mode engine} skips
 * the manager and the scheduler: it loads the same version folders straight into engine sessions
 * and closes them, to tell which side a growth comes from.
 *
 * <p>RSS ({@code VmRSS}) is read after a full GC at cycle 0 (before the first load), at cycle 10
 * (the baseline, after warm-up), every 10% and at the end. Exit status 1 when RSS grew by more than
 * {@code --bound-mb} from the baseline to the end, 3 when a cycle failed (an {@code ERROR} line
 * says why). Run it with a fixed, pre-touched heap ({@code -Xms256m -Xmx256m -XX:+AlwaysPreTouch})
 * so that RSS does not follow G1 growing and shrinking the heap. {@code src/bench/soak.sh} runs it
 * for both engines and writes {@code docs/benchmarks/soak.md} from its {@code SAMPLE} and {@code
 * RESULT} lines; the class path goes in CLASSPATH, since ONNX Runtime crashes with long command
 * lines:
 *
 * <pre>
 * CLASSPATH=runtime/target/classes:runtime/target/test-classes:$(cat cp.txt) \
 *   java -Xms256m -Xmx256m -XX:+AlwaysPreTouch org.modelserver.bench.LoadUnloadSoak \
 *   --model model-repo/classifier_torch --cycles 200 [--mode engine] [--bound-mb 64]
 * </pre>
 */
public final class LoadUnloadSoak {
  private static final int BASELINE_CYCLE = 10;
  private static final long SETTLE_MILLIS = 300;
  private static final long[] INPUT_SHAPE = {4, 4};
  private static final float[] INPUT = {
    0.1f, -0.2f, 0.3f, 1.5f, 2.0f, 0.25f, -1.75f, 0f, -0.5f, 3.3f, 0.7f, -2.2f, 1f, 1f, 1f, 1f
  };
  static final String INPUT_NAME = "features";
  static final String OUTPUT_NAME = "probabilities";

  private LoadUnloadSoak() {}

  private enum Mode {
    MANAGED,
    ENGINE
  }

  private record Options(
      Path modelDir, int cycles, int inferences, double boundMb, Mode mode, Path torchCache) {}

  /**
   * Memory after a full GC at the end of a cycle (0: before the first load). RSS splits into
   * anonymous memory (Java heap, native allocations) and file-backed pages (mapped libraries).
   */
  private record Sample(
      int cycle,
      long rssKb,
      long rssAnonKb,
      long rssFileKb,
      long heapUsedKb,
      long heapCommittedKb,
      int threads) {}

  public static void main(String[] args) {
    BenchMain.run(
        "LoadUnloadSoak",
        "usage: LoadUnloadSoak --model DIR [--cycles 200] [--inferences 20] [--bound-mb 64]"
            + " [--mode managed|engine] [--torch-cache ~/.djl.ai]",
        args,
        LoadUnloadSoak::parse,
        LoadUnloadSoak::run,
        3);
  }

  private static int run(Options options) throws IOException {
    String name = options.modelDir().getFileName().toString();
    boolean torch = Files.exists(options.modelDir().resolve("1/model.pt"));
    Path root = Files.createTempDirectory("soak-repo");
    try {
      copyTree(options.modelDir(), root.resolve(name));
      Engine engine =
          torch
              ? new TorchEngine(new TorchEngine.Options(options.torchCache(), 1, 1))
              : new OnnxEngine();
      try (Engines engines = new Engines(List.of(engine));
          SoakSubject subject =
              options.mode() == Mode.MANAGED
                  ? new SoakSubject.Managed(root, name, engines)
                  : new SoakSubject.EngineOnly(root, name, engine)) {
        return soak(options, name, torch ? "TorchScript" : "ONNX", subject);
      }
    } finally {
      FileTrees.deleteRecursively(root);
    }
  }

  private static int soak(Options options, String name, String engine, SoakSubject subject)
      throws IOException {
    int cycles = options.cycles();
    int step = Math.max(1, cycles / 10);
    System.out.printf(
        "model %s (%s), mode %s, %d cycles of load, %d inferences, unload%n",
        name, engine, options.mode().name().toLowerCase(Locale.ROOT), cycles, options.inferences());
    Tensor features = Tensor.ofFloats(INPUT_SHAPE, INPUT);
    List<Sample> samples = new ArrayList<>(List.of(sample(0)));
    float[] first = null;
    long loadNanos = 0;
    long inferNanos = 0;
    long unloadNanos = 0;
    for (int cycle = 1; cycle <= cycles; cycle++) {
      long start = System.nanoTime();
      subject.load();
      long loaded = System.nanoTime();
      for (int i = 0; i < options.inferences(); i++) {
        float[] probabilities = checked(subject.infer(features), cycle);
        if (first == null) {
          first = probabilities;
        } else if (maxDifference(first, probabilities) > 1e-5) {
          throw new IllegalStateException(
              "cycle " + cycle + ": outputs differ from the first cycle's by more than 1e-5");
        }
      }
      long inferred = System.nanoTime();
      subject.unload();
      long end = System.nanoTime();
      loadNanos += loaded - start;
      inferNanos += inferred - loaded;
      unloadNanos += end - inferred;
      if (cycle == BASELINE_CYCLE || cycle % step == 0 || cycle == cycles) {
        samples.add(sample(cycle));
      }
    }
    long[] nanos = {loadNanos, inferNanos, unloadNanos};
    return verdict(options, engine, samples, nanos);
  }

  /** Prints the RESULT line, and why the run failed when RSS grew past the bound; the status. */
  private static int verdict(Options options, String engine, List<Sample> samples, long[] nanos) {
    int cycles = options.cycles();
    Sample baseline =
        samples.stream()
            .filter(s -> s.cycle() >= Math.min(BASELINE_CYCLE, cycles))
            .findFirst()
            .orElseThrow();
    Sample last = samples.get(samples.size() - 1);
    double growthMb = (last.rssKb() - baseline.rssKb()) / 1024.0;
    int span = last.cycle() - baseline.cycle();
    double perCycleKb = span == 0 ? 0 : (last.rssKb() - baseline.rssKb()) / (double) span;
    boolean pass = growthMb <= options.boundMb();
    System.out.printf(
        Locale.ROOT,
        "RESULT engine=%s mode=%s cycles=%d baseline_cycle=%d baseline_rss_mb=%.1f end_rss_mb=%.1f"
            + " growth_mb=%.1f growth_per_cycle_kb=%.1f end_heap_used_mb=%.1f bound_mb=%.1f"
            + " load_ms=%.2f infer_ms=%.2f unload_ms=%.2f cycle_ms=%.2f verdict=%s%n",
        engine,
        options.mode().name().toLowerCase(Locale.ROOT),
        cycles,
        baseline.cycle(),
        baseline.rssKb() / 1024.0,
        last.rssKb() / 1024.0,
        growthMb,
        perCycleKb,
        last.heapUsedKb() / 1024.0,
        options.boundMb(),
        nanos[0] / 1e6 / cycles,
        nanos[1] / 1e6 / cycles,
        nanos[2] / 1e6 / cycles,
        (nanos[0] + nanos[1] + nanos[2]) / 1e6 / cycles,
        pass ? "PASS" : "FAIL");
    if (!pass) {
      System.out.printf(
          Locale.ROOT,
          "FAIL resident memory grew by %.1f MB from cycle %d to cycle %d (%.1f KB per cycle),"
              + " more than the bound of %.1f MB%n",
          growthMb,
          baseline.cycle(),
          last.cycle(),
          perCycleKb,
          options.boundMb());
      return 1;
    }
    return 0;
  }

  /** The probabilities of one response: a [4, 3] tensor whose rows are distributions. */
  private static float[] checked(Tensor output, int cycle) {
    long[] shape = output.shape();
    if (shape.length != 2 || shape[0] != INPUT_SHAPE[0] || shape[1] != 3) {
      throw new IllegalStateException(
          "cycle " + cycle + ": expected probabilities [4, 3], got " + output);
    }
    float[] values = output.floats();
    for (int row = 0; row < shape[0]; row++) {
      double sum = 0;
      for (int col = 0; col < 3; col++) {
        float p = values[row * 3 + col];
        if (!(p >= 0f && p <= 1f)) {
          throw new IllegalStateException("cycle " + cycle + ": probability out of [0, 1]: " + p);
        }
        sum += p;
      }
      if (Math.abs(sum - 1) > 1e-4) {
        throw new IllegalStateException(
            "cycle " + cycle + ": row " + row + " of the probabilities sums to " + sum);
      }
    }
    return values;
  }

  private static double maxDifference(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  /**
   * Memory after a full GC, so that garbage not yet collected does not count. G1 gives the heap it
   * shrank back to the OS in the background about 100 ms after the GC: reading RSS at once would
   * count up to the whole young generation, so the reading waits for that first.
   */
  private static Sample sample(int cycle) throws IOException {
    System.gc();
    try {
      Thread.sleep(SETTLE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    Map<String, Long> status = processStatusKb();
    Sample sample =
        new Sample(
            cycle,
            status.get("VmRSS"),
            status.getOrDefault("RssAnon", -1L),
            status.getOrDefault("RssFile", -1L),
            heap.getUsed() / 1024,
            heap.getCommitted() / 1024,
            ManagementFactory.getThreadMXBean().getThreadCount());
    System.out.printf(
        Locale.ROOT,
        "SAMPLE cycle=%d rss_mb=%.1f rss_anon_mb=%.1f rss_file_mb=%.1f heap_used_mb=%.1f"
            + " heap_committed_mb=%.1f threads=%d%n",
        sample.cycle(),
        sample.rssKb() / 1024.0,
        sample.rssAnonKb() / 1024.0,
        sample.rssFileKb() / 1024.0,
        sample.heapUsedKb() / 1024.0,
        sample.heapCommittedKb() / 1024.0,
        sample.threads());
    return sample;
  }

  /** The memory lines of /proc/self/status ({@code VmRSS}, {@code RssAnon}, ...), in KB. */
  private static Map<String, Long> processStatusKb() throws IOException {
    Map<String, Long> values = new HashMap<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      String[] parts = line.split("\\s+");
      if (parts.length == 3 && parts[2].equals("kB")) {
        values.put(parts[0].substring(0, parts[0].length() - 1), Long.parseLong(parts[1]));
      }
    }
    if (!values.containsKey("VmRSS")) {
      throw new IllegalStateException("/proc/self/status has no VmRSS line (Linux only)");
    }
    return values;
  }

  private static Options parse(String[] args) {
    Path model = null;
    int cycles = 200;
    int inferences = 20;
    double boundMb = 64;
    Mode mode = Mode.MANAGED;
    Path torchCache = Path.of(System.getProperty("user.home"), ".djl.ai");
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i];
      try {
        switch (flag) {
          case "--model" -> model = Path.of(value);
          case "--cycles" -> cycles = Integer.parseInt(value);
          case "--inferences" -> inferences = Integer.parseInt(value);
          case "--bound-mb" -> boundMb = Double.parseDouble(value);
          case "--mode" -> mode = Mode.valueOf(value.toUpperCase(Locale.ROOT));
          case "--torch-cache" -> torchCache = Path.of(value);
          default -> throw new IllegalArgumentException("unknown option " + flag);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(flag + " expects a number, got '" + value + "'");
      }
    }
    if (model == null || !Files.isDirectory(model)) {
      throw new IllegalArgumentException("--model must name a model folder, got " + model);
    }
    if (cycles < 1 || inferences < 1 || boundMb < 0) {
      throw new IllegalArgumentException("--cycles and --inferences must be 1 or more");
    }
    return new Options(
        model.toAbsolutePath().normalize(), cycles, inferences, boundMb, mode, torchCache);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        Files.copy(path, to.resolve(from.relativize(path).toString()));
      }
    }
  }
}
