package org.modelserver.runtime.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.modelserver.runtime.device.Device;
import org.modelserver.runtime.engine.Engine;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.LoadSpec;
import org.modelserver.runtime.engine.onnx.OnnxEngine;
import org.modelserver.runtime.engine.torch.TorchEngine;
import org.modelserver.runtime.repository.ModelConfig;
import org.modelserver.runtime.repository.ModelConfigParser;
import org.modelserver.runtime.tensor.Tensor;

/**
 * Soak run (not a unit test): loads a model, runs a few inferences and closes it, N times, and
 * prints the process's resident memory, to show that loading and unloading leaks no native memory.
 *
 * <pre>
 * java -cp ... org.modelserver.runtime.bench.LoadUnloadSoak model-repo/classifier_torch 100
 * </pre>
 */
public final class LoadUnloadSoak {
  private LoadUnloadSoak() {}

  public static void main(String[] args) throws IOException {
    Path modelDir = Path.of(args.length > 0 ? args[0] : "model-repo/classifier_torch");
    int cycles = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    String name = modelDir.getFileName().toString();
    ModelConfig config = new ModelConfigParser().read(name, modelDir);
    boolean torch = Files.exists(modelDir.resolve("1/model.pt"));
    Path file = modelDir.resolve(torch ? "1/model.pt" : "1/model.onnx");
    Engine engine =
        torch
            ? new TorchEngine(
                new TorchEngine.Options(Path.of(System.getProperty("user.home"), ".djl.ai"), 1, 1))
            : new OnnxEngine();
    Tensor features = Tensor.ofFloats(new long[] {2, 4}, 1, 2, 3, 4, 5, 6, 7, 8);
    System.out.printf("model %s (%s), %d load/unload cycles%n", name, file.getFileName(), cycles);
    long baseline = 0;
    for (int cycle = 1; cycle <= cycles; cycle++) {
      try (EngineSession session =
          engine.load(new LoadSpec(name, 1, file, config, Device.CPU, 1))) {
        for (int i = 0; i < 20; i++) {
          session.execute(Map.of("features", features), Set.of("probabilities"));
        }
      }
      if (cycle == 10) {
        baseline = residentKb();
      }
      if (cycle % (cycles / 10) == 0) {
        Runtime runtime = Runtime.getRuntime();
        System.out.printf(
            "cycle %5d  RSS %7d KiB  (Java heap committed %6d KiB)%n",
            cycle, residentKb(), runtime.totalMemory() / 1024);
      }
    }
    long end = residentKb();
    System.out.printf(
        "RESULT rss_after_10_kib=%d rss_after_%d_kib=%d growth_kib=%d%n",
        baseline, cycles, end, end - baseline);
    engine.close();
  }

  /** Resident memory after a full GC, so that garbage not yet collected does not count. */
  private static long residentKb() throws IOException {
    System.gc();
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(List.of(line.split("\\s+")).get(1));
      }
    }
    return -1;
  }
}
