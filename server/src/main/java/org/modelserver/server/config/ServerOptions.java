package org.modelserver.server.config;

import java.nio.file.Path;
import java.util.List;
import org.modelserver.runtime.registry.ControlMode;
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
 * @param modelControlMode Triton's model control mode: none, poll or explicit
 * @param loadModel in explicit mode, the models loaded at start ({@code *}: all)
 * @param repositoryPollSecs in poll mode, seconds between repository scans
 * @param maxUploadSize the largest extracted size of a model archive or of a load's files
 */
@ConfigurationProperties("modelserver")
public record ServerOptions(
    Path modelRepository,
    DataSize maxRequestSize,
    int defaultMaxBatchSize,
    int intraOpThreads,
    Path torchCacheDir,
    int torchThreads,
    int torchInteropThreads,
    ControlMode modelControlMode,
    List<String> loadModel,
    int repositoryPollSecs,
    DataSize maxUploadSize) {
  public ServerOptions {
    if (modelControlMode == null) {
      modelControlMode = ControlMode.NONE;
    }
    loadModel =
        loadModel == null
            ? List.of()
            : loadModel.stream().map(String::trim).filter(name -> !name.isEmpty()).toList();
    if (!loadModel.isEmpty() && modelControlMode != ControlMode.EXPLICIT) {
      throw new IllegalArgumentException(
          "load-model applies only with --model-control-mode=explicit; in mode "
              + modelControlMode.label()
              + " every model of the repository loads");
    }
    if (repositoryPollSecs < 1) {
      throw new IllegalArgumentException("repository-poll-secs must be 1 or more");
    }
    if (maxUploadSize == null) {
      maxUploadSize = DataSize.ofGigabytes(2);
    }
    if (maxUploadSize.toBytes() < 1) {
      throw new IllegalArgumentException("max-upload-size must be 1 byte or more");
    }
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
