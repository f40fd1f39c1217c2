package org.modelserver.runtime.engine.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicReference;
import org.modelserver.runtime.device.Device;
import org.modelserver.runtime.engine.Engine;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.LoadSpec;
import org.modelserver.runtime.engine.ModelLoadException;
import org.modelserver.runtime.repository.Platforms;

/** Loads {@code .onnx} files into ONNX Runtime sessions on the CPU. */
public final class OnnxEngine implements Engine {
  private static final long INIT_STACK_BYTES = 16L * 1024 * 1024;

  private final OrtEnvironment environment;

  public OnnxEngine() {
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new IllegalStateException("tensors are exchanged little-endian; this host is not");
    }
    this.environment = startEnvironment();
  }

  /**
   * Starts ONNX Runtime's process-wide environment (never closed) on a thread with a large stack:
   * its native initialisation needs more stack than a default main thread can spare, and crashed
   * the JVM (SIGSEGV) when a long command line had eaten into it.
   */
  private static OrtEnvironment startEnvironment() {
    AtomicReference<Object> outcome = new AtomicReference<>();
    Thread starter =
        new Thread(
            null,
            () -> {
              try {
                outcome.set(
                    OrtEnvironment.getEnvironment(
                        OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "model-server"));
              } catch (RuntimeException | LinkageError e) {
                outcome.set(e);
              }
            },
            "onnxruntime-init",
            INIT_STACK_BYTES);
    starter.start();
    try {
      starter.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting ONNX Runtime", e);
    }
    if (outcome.get() instanceof OrtEnvironment environment) {
      return environment;
    }
    Throwable failure = (Throwable) outcome.get();
    throw new IllegalStateException(
        "ONNX Runtime's native library could not start: " + failure, failure);
  }

  @Override
  public String platform() {
    return Platforms.ONNX;
  }

  @Override
  public EngineSession load(LoadSpec spec) {
    if (spec.device().kind() != Device.Kind.CPU) {
      throw new ModelLoadException(
          "ONNX Runtime in this build runs on the CPU only; device " + spec.device() + " asked");
    }
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
