package org.modelserver.runtime.train.torch;

import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import org.modelserver.runtime.error.ServingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves a module as a TorchScript file PyTorch can load. DJL's {@code Model.save} writes its own
 * container, which {@code torch.jit.load} cannot read, so this writes the module itself.
 */
final class TorchScriptWriter {
  private static final Logger log = LoggerFactory.getLogger(TorchScriptWriter.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private TorchScriptWriter() {}

  /**
   * Writes to a temporary file in the destination's folder, runs {@code beforeRename} (which may
   * throw to abandon the file), then renames it into place atomically; a reader never sees a
   * partial file, and nothing is left behind on failure.
   */
  static void write(PtSymbolBlock block, Path destination, Runnable beforeRename) {
    Path target = destination.toAbsolutePath();
    Path temp = null;
    try {
      Files.createDirectories(target.getParent());
      // Not Files.createTempFile: its owner-only permissions would stay on the renamed model.
      temp =
          target.resolveSibling(
              "." + target.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
      try (OutputStream out =
          Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        JniUtils.writeModule(block, out, false);
      }
      beforeRename.run();
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      temp = null;
    } catch (IOException e) {
      throw ServingException.internal(
          "cannot write the fine-tuned model to " + target + ": " + e.getMessage(), e);
    } finally {
      if (temp != null) {
        deleteQuietly(temp);
      }
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("could not delete the unfinished model file {}", file, e);
    }
  }
}
