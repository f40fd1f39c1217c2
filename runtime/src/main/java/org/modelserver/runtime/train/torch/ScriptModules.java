package org.modelserver.runtime.train.torch;

import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The trainer's own TorchScript modules: resources next to this class, written by {@code
 * runtime/scripts/export_losses.py}.
 */
final class ScriptModules {
  private ScriptModules() {}

  /** Loads {@code resource} (relative to this package) into {@code manager}. */
  static PtSymbolBlock load(String resource, PtNDManager manager) {
    try (InputStream in = ScriptModules.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the runtime jar lacks " + resource);
      }
      return JniUtils.loadModule(manager, in, true, false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }
}
