package org.modelserver.runtime.engine;

import java.nio.file.Path;
import java.util.Objects;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.device.Device;

/**
 * What an engine needs to load one model version.
 *
 * @param modelName the model's name, for messages and logs
 * @param version the version number
 * @param modelFile the model file inside the version folder
 * @param config the model's configuration as read (possibly partial; engines needing declared
 *     inputs and outputs, such as TorchScript, read them from here)
 * @param device where to execute
 * @param intraOpThreads threads one execution may use; 0 lets the engine decide
 */
public record LoadSpec(
    String modelName,
    long version,
    Path modelFile,
    ModelConfig config,
    Device device,
    int intraOpThreads) {
  public LoadSpec {
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(modelFile, "modelFile");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(device, "device");
    if (intraOpThreads < 0) {
      throw new IllegalArgumentException("intraOpThreads must be 0 or more");
    }
  }

  public String describe() {
    return modelName + " version " + version;
  }
}
