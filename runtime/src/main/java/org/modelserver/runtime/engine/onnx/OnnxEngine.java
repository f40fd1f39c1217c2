package org.modelserver.runtime.engine.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.modelserver.runtime.config.Platforms;
import org.modelserver.runtime.device.Device;
import org.modelserver.runtime.engine.Engine;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.LoadSpec;
import org.modelserver.runtime.engine.ModelLoadException;

/** Loads {@code .onnx} files into ONNX Runtime sessions, on the CPU or with the CUDA provider. */
public final class OnnxEngine implements Engine {
  /** Measured here: 3,975 bytes work, 3,990 crash; keep a margin. */
  static final int MAX_COMMAND_LINE_BYTES = 3800;

  private final OrtEnvironment environment;

  public OnnxEngine() {
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new IllegalStateException("tensors are exchanged little-endian; this host is not");
    }
    checkCommandLineLength();
    try {
      // The environment is ONNX Runtime's own process-wide singleton; it is never closed.
      this.environment =
          OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "model-server");
    } catch (RuntimeException | LinkageError e) {
      throw new IllegalStateException("ONNX Runtime's native library could not start: " + e, e);
    }
  }

  /**
   * ONNX Runtime 1.29's native library crashes the whole JVM (SIGSEGV, no error report) when the
   * process's command line ({@code /proc/self/cmdline}) is longer than about 4 KB, for example a
   * long {@code -cp}. Fail with a readable reason instead.
   */
  private static void checkCommandLineLength() {
    Path cmdline = Path.of("/proc/self/cmdline");
    long length;
    try {
      length = Files.isReadable(cmdline) ? Files.readAllBytes(cmdline).length : 0;
    } catch (java.io.IOException e) {
      return;
    }
    if (length > MAX_COMMAND_LINE_BYTES) {
      throw new IllegalStateException(
          "the JVM command line is "
              + length
              + " bytes; ONNX Runtime 1.29 crashes the JVM when it exceeds about 4 KB. Start the"
              + " server with java -jar, or pass a long class path in the CLASSPATH environment"
              + " variable or an @argfile");
    }
  }

  @Override
  public String platform() {
    return Platforms.ONNX;
  }

  @Override
  public Optional<String> cudaUnavailableReason() {
    try {
      if (OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
        return Optional.empty();
      }
    } catch (RuntimeException | LinkageError e) {
      return Optional.of("ONNX Runtime cannot list its execution providers: " + e);
    }
    return Optional.of(
        "ONNX Runtime in this build has no CUDA execution provider (the CPU build; build the"
            + " server with -Pgpu for onnxruntime_gpu)");
  }

  @Override
  public EngineSession load(LoadSpec spec) {
    checkDevice(spec);
    if (!Files.isRegularFile(spec.modelFile())) {
      throw new ModelLoadException("model file " + spec.modelFile().getFileName() + " is missing");
    }
    OrtSession session = null;
    try (SessionOptions options = new SessionOptions()) {
      options.setOptimizationLevel(OptLevel.ALL_OPT);
      options.setInterOpNumThreads(1);
      if (spec.intraOpThreads() > 0) {
        options.setIntraOpNumThreads(spec.intraOpThreads());
      }
      // Idle sessions must not burn cores spinning while waiting for work.
      options.addConfigEntry("session.intra_op.allow_spinning", "0");
      options.setLoggerId(spec.describe());
      if (spec.device().kind() == Device.Kind.GPU) {
        OnnxCuda.configure(options, spec);
      }
      session = environment.createSession(spec.modelFile().toString(), options);
      return new OnnxSession(environment, session, OnnxSignatures.read(session));
    } catch (OrtException e) {
      closeQuietly(session);
      throw new ModelLoadException(
          "ONNX Runtime cannot load " + spec.modelFile().getFileName() + ": " + e.getMessage(), e);
    } catch (ModelLoadException e) {
      closeQuietly(session);
      throw e;
    }
  }

  private static void closeQuietly(OrtSession session) {
    if (session != null) {
      try {
        session.close();
      } catch (OrtException ignored) {
        // The load already failed; the original error is the one worth reporting.
      }
    }
  }
}
