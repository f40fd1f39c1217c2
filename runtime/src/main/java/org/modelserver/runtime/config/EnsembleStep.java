package org.modelserver.runtime.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One step of Triton's {@code ensemble_scheduling}: the model it runs and how its tensors connect
 * to the ensemble's. Map keys are the step model's tensor names, values the ensemble's tensor
 * names.
 *
 * @param modelName the composing model
 * @param modelVersion the version it runs, or -1 for the model's routing (default version or split)
 * @param inputMap step input name to the ensemble tensor it reads
 * @param outputMap step output name to the ensemble tensor it produces
 */
public record EnsembleStep(
    String modelName,
    long modelVersion,
    Map<String, String> inputMap,
    Map<String, String> outputMap) {
  /** Triton's "latest": the composing model's own routing decides at request time. */
  public static final long ANY_VERSION = -1;

  public EnsembleStep {
    Objects.requireNonNull(modelName, "modelName");
    inputMap = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputMap));
    outputMap = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(outputMap));
  }

  /** The version a request of this step asks for; empty for the model's own routing. */
  public Optional<Long> version() {
    return modelVersion == ANY_VERSION ? Optional.empty() : Optional.of(modelVersion);
  }
}
