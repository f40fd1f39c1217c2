package org.modelserver.server.config;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The server's options. Each is bound from {@code application.yaml}, whose placeholders accept the
 * short command-line form ({@code --model-repository=DIR}), the same name as a Spring property, and
 * an environment variable ({@code MODEL_REPOSITORY}).
 *
 * @param modelRepository the model repository folder
 * @param maxRequestSize the largest request body accepted; larger ones get 413
 * @param defaultMaxBatchSize the {@code max_batch_size} of a batchable model whose config sets none
 * @param intraOpThreads threads one model execution may use; 0 lets the engine decide
 * @param torchCacheDir where libtorch's natives are unpacked on first use
 * @param torchThreads libtorch's process-wide intra-op threads; 0: one per core
 * @param torchInteropThreads libtorch's process-wide inter-op threads; 0: libtorch decides
 */
@ConfigurationProperties("modelserver")
public record ServerOptions(
    Path modelRepository,
    DataSize maxRequestSize,
    int defaultMaxBatchSize,
    int intraOpThreads,
    Path torchCacheDir,
    int torchThreads,
    int torchInteropThreads) {
  public ServerOptions {
    if (modelRepository == null) {
      modelRepository = Path.of("model-repo");
    }
    if (maxRequestSize == null) {
      maxRequestSize = DataSize.ofMegabytes(64);
    }
    if (maxRequestSize.toBytes() < 1 || maxRequestSize.toBytes() > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("max-request-size must be between 1 byte and 2 GiB");
    }
    if (defaultMaxBatchSize < 0) {
      throw new IllegalArgumentException("default-max-batch-size must be 0 or more");
    }
    if (torchCacheDir == null) {
      torchCacheDir = Path.of(System.getProperty("user.home"), ".djl.ai");
    }
    if (torchThreads < 0 || torchInteropThreads < 0) {
      throw new IllegalArgumentException(
          "torch-threads and torch-interop-threads must be 0 or more");
    }
    if (intraOpThreads < 0) {
      throw new IllegalArgumentException("intra-op-threads must be 0 or more");
    }
  }
}
