package org.modelserver.runtime.train.spec;

import java.util.Optional;

/** How a training dataset is written: one JSON object per line, or CSV with a header row. */
public enum DatasetFormat {
  JSONL("jsonl"),
  CSV("csv");

  private final String configName;

  DatasetFormat(String configName) {
    this.configName = configName;
  }

  /** The name used in a job's settings, for example {@code jsonl}. */
  public String configName() {
    return configName;
  }

  public static Optional<DatasetFormat> fromConfigName(String name) {
    for (DatasetFormat format : values()) {
      if (format.configName.equals(name)) {
        return Optional.of(format);
      }
    }
    return Optional.empty();
  }
}
