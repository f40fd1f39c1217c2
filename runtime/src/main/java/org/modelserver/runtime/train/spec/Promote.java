package org.modelserver.runtime.train.spec;

import java.util.Optional;

/** Whether a fine-tuned model should replace the served version when the job finishes. */
public enum Promote {
  NEVER("never"),
  ALWAYS("always"),
  /** Only when its validation loss is lower than the base model's. */
  IF_BETTER("if_better");

  private final String configName;

  Promote(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  public static Optional<Promote> fromConfigName(String name) {
    for (Promote value : values()) {
      if (value.configName.equals(name)) {
        return Optional.of(value);
      }
    }
    return Optional.empty();
  }
}
