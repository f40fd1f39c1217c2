package org.modelserver.runtime.engine.torch;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.modelserver.runtime.config.Platforms;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.device.Device;
import org.modelserver.runtime.engine.Engine;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.LoadSpec;
import org.modelserver.runtime.engine.ModelLoadException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads TorchScript ({@code .pt}) files into libtorch through DJL's PyTorch engine, offline: the
 * natives come from Maven Central jars and are unpacked once into a cache folder.
 *
 * <p>libtorch starts on the first TorchScript load, not with the server, so a server without
 * TorchScript models never unpacks or loads it. If it cannot start, every TorchScript model is
 * UNAVAILABLE with that reason and ONNX models serve as usual.
 */
public final class TorchEngine implements Engine {
  private static final Logger log = LoggerFactory.getLogger(TorchEngine.class);

  private final Options options;
  private volatile ai.djl.engine.Engine djl;
  private String startFailure;

  /**
   * @param cacheDir where libtorch is unpacked (about 450 MB on first start)
   * @param threads libtorch's intra-op threads, process-wide; 0 lets libtorch decide
   * @param interopThreads libtorch's inter-op threads, process-wide; 0 lets libtorch decide
   */
  public record Options(Path cacheDir, int threads, int interopThreads) {}

  public TorchEngine(Options options) {
    this.options = options;
  }

  @Override
  public String platform() {
    return Platforms.TORCH;
  }

  /**
   * Starts libtorch now with this engine's options, as the first TorchScript load would; for code
   * that drives libtorch itself (the fine-tuning trainer). Later calls return at once.
   *
   * @throws ModelLoadException with the reason when libtorch cannot start (every later call too)
   */
  public void ensureStarted() {
    start();
  }

  /** Starts libtorch once; later calls return the same engine or the same failure. */
  private synchronized ai.djl.engine.Engine start() {
    if (djl != null) {
      return djl;
    }
    if (startFailure != null) {
      throw new ModelLoadException(startFailure);
    }
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      startFailure = "tensors are exchanged little-endian; this host is not";
      throw new ModelLoadException(startFailure);
    }
    // DJL reads these once, when its PyTorch engine starts.
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("DJL_CACHE_DIR", options.cacheDir().toString());
    if (options.threads() > 0) {
      System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(options.threads()));
    }
    if (options.interopThreads() > 0) {
      System.setProperty(
          "ai.djl.pytorch.num_interop_threads", Integer.toString(options.interopThreads()));
    }
    try {
      ai.djl.engine.Engine engine = ai.djl.engine.Engine.getEngine("PyTorch");
      log.info(
          "libtorch {} started (DJL {}, cache {})",
          engine.getVersion(),
          ai.djl.engine.Engine.getDjlVersion(),
          options.cacheDir());
      djl = engine;
      return engine;
    } catch (RuntimeException | LinkageError e) {
      startFailure = "libtorch could not start: " + e.getMessage();
      log.warn("libtorch could not start", e);
      throw new ModelLoadException(startFailure, e);
    }
  }

  /**
   * libtorch can use CUDA when its natives are a CUDA build (the GPU image points DJL at one with
   * {@code PYTORCH_LIBRARY_PATH}); the CPU natives from Maven Central cannot.
   */
  @Override
  public Optional<String> cudaUnavailableReason() {
    try {
      if (start().getGpuCount() > 0) {
        return Optional.empty();
      }
      return Optional.of(
          "libtorch in this build has no CUDA (the CPU natives from Maven Central; the GPU image"
              + " provides a CUDA libtorch through PYTORCH_LIBRARY_PATH)");
    } catch (ModelLoadException e) {
      return Optional.of(e.getMessage());
    }
  }

  @Override
  public EngineSession load(LoadSpec spec) {
    checkDevice(spec);
    if (!Files.isRegularFile(spec.modelFile())) {
      throw new ModelLoadException("model file " + spec.modelFile().getFileName() + " is missing");
    }
    List<TensorSpec> inputs = spec.config().inputs();
    List<TensorSpec> outputs = spec.config().outputs();
    if (inputs.isEmpty() || outputs.isEmpty()) {
      throw new ModelLoadException(
          "a TorchScript file carries no tensor names or shapes; declare every input and output"
              + " (name, data_type, dims) in config.yaml, inputs in forward's argument order and"
              + " outputs in the order forward returns them");
    }
    for (TensorSpec tensor : concat(inputs, outputs)) {
      if (!TorchTypes.isSupported(tensor.dataType())) {
        throw new ModelLoadException(
            "'"
                + tensor.name()
                + "' is "
                + tensor.dataType().configName()
                + ", which libtorch cannot serve; expected one of "
                + TorchTypes.supported());
      }
    }
    ai.djl.engine.Engine engine = start();
    ai.djl.Device device =
        spec.device().kind() == Device.Kind.GPU
            ? ai.djl.Device.gpu(spec.device().index())
            : ai.djl.Device.cpu();
    // The model and the tensors its manager creates live on the device: a batch's inputs are
    // copied there once, and its outputs come back once.
    Model model = Model.newInstance(spec.describe(), device, engine.getEngineName());
    try {
      String file = spec.modelFile().getFileName().toString();
      String name = file.endsWith(".pt") ? file.substring(0, file.length() - 3) : file;
      model.load(spec.modelFile().getParent(), name);
      TorchSession session = new TorchSession(model, inputs, outputs, spec.config().batched());
      session.probe();
      return session;
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      if (e instanceof ModelLoadException load) {
        throw load;
      }
      throw new ModelLoadException(
          "libtorch cannot load " + spec.modelFile().getFileName() + ": " + e.getMessage(), e);
    }
  }

  private static List<TensorSpec> concat(List<TensorSpec> a, List<TensorSpec> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }
}
