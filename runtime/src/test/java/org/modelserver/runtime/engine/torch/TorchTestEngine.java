package org.modelserver.runtime.engine.torch;

import java.nio.file.Path;

/**
 * One libtorch engine per test JVM (libtorch starts once per process), unpacked where the server
 * unpacks it.
 */
public final class TorchTestEngine {
  private static TorchEngine engine;

  private TorchTestEngine() {}

  public static synchronized TorchEngine get() {
    if (engine == null) {
      engine =
          new TorchEngine(
              new TorchEngine.Options(Path.of(System.getProperty("user.home"), ".djl.ai"), 0, 1));
    }
    return engine;
  }
}
