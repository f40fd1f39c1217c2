package org.modelserver.runtime.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.modelserver.runtime.tensor.Shape;

/**
 * Completes a (possibly partial) config from what the model file declares, as Triton's
 * auto-complete does, and checks that a declared config agrees with the model.
 */
public final class ConfigCompleter {
  private final int defaultMaxBatchSize;
  private final int defaultMaxQueueSize;

  /** A completer that leaves an unset {@code max_queue_size} unbounded. */
  public ConfigCompleter(int defaultMaxBatchSize) {
    this(defaultMaxBatchSize, 0);
  }

  /**
   * @param defaultMaxBatchSize the {@code max_batch_size} given to a model whose config does not
   *     set one and whose every input and output has a dynamic first dimension
   * @param defaultMaxQueueSize the {@code max_queue_size} of every queue policy whose config does
   *     not set one (0: unbounded)
   */
  public ConfigCompleter(int defaultMaxBatchSize, int defaultMaxQueueSize) {
    if (defaultMaxBatchSize < 0) {
      throw new IllegalArgumentException("default max batch size must be 0 or more");
    }
    if (defaultMaxQueueSize < 0) {
      throw new IllegalArgumentException("default max queue size must be 0 or more");
    }
    this.defaultMaxBatchSize = defaultMaxBatchSize;
    this.defaultMaxQueueSize = defaultMaxQueueSize;
  }

  /** The queue size of a queue policy whose config sets none (0: unbounded). */
  public int defaultMaxQueueSize() {
    return defaultMaxQueueSize;
  }

  /**
   * The complete config: platform, {@code max_batch_size}, inputs and outputs all set.
   *
   * @throws ModelConfigException naming what disagrees and what to change
   */
  public ModelConfig complete(ModelConfig config, String platform, Optional<ModelSignature> model) {
    ModelConfig.Builder builder = config.toBuilder().platform(platform);
    config
        .dynamicBatching()
        .ifPresent(
            batching ->
                builder.dynamicBatching(batching.withDefaultQueueSize(defaultMaxQueueSize)));
    if (model.isEmpty()) {
      if (config.inputs().isEmpty() || config.outputs().isEmpty()) {
        throw new ModelConfigException(
            "a "
                + platform
                + " model file carries no tensor names or shapes; declare every input and output"
                + " (name, data_type, dims) in config.yaml");
      }
      return builder.maxBatchSize(config.maxBatch()).build();
    }
    ModelSignature signature = model.get();
    int maxBatch =
        config.maxBatchSize().orElseGet(() -> canBatch(signature) ? defaultMaxBatchSize : 0);
    boolean batched = maxBatch > 0;
    if (batched) {
      requireBatchDimension(signature.inputs(), "input");
      requireBatchDimension(signature.outputs(), "output");
    }
    builder.maxBatchSize(maxBatch);
    builder.inputs(merge(config.inputs(), signature.inputs(), batched, "input", true));
    builder.outputs(merge(config.outputs(), signature.outputs(), batched, "output", false));
    return builder.build();
  }

  private static boolean canBatch(ModelSignature signature) {
    return allDynamicFirst(signature.inputs()) && allDynamicFirst(signature.outputs());
  }

  private static boolean allDynamicFirst(List<TensorSpec> specs) {
    return specs.stream().allMatch(spec -> spec.dims().length > 0 && spec.dims()[0] == -1);
  }

  private static void requireBatchDimension(List<TensorSpec> specs, String kind) {
    for (TensorSpec spec : specs) {
      long[] shape = spec.dims();
      if (shape.length == 0 || shape[0] != -1) {
        throw new ModelConfigException(
            "max_batch_size > 0 needs a variable first (batch) dimension, but model "
                + kind
                + " '"
                + spec.name()
                + "' has shape "
                + Shape.format(shape)
                + "; set max_batch_size: 0");
      }
    }
  }

  /**
   * Declared specs checked against the model's, or the model's own when none are declared. Inputs
   * must all be declared (the model needs every one); outputs may be a subset.
   */
  private static List<TensorSpec> merge(
      List<TensorSpec> declared,
      List<TensorSpec> actual,
      boolean batched,
      String kind,
      boolean requireAll) {
    List<TensorSpec> result = new ArrayList<>();
    if (declared.isEmpty()) {
      for (TensorSpec spec : actual) {
        long[] dims = batched ? Shape.dropFirst(spec.dims()) : spec.dims();
        result.add(new TensorSpec(spec.name(), spec.dataType(), dims));
      }
      return result;
    }
    for (TensorSpec want : declared) {
      TensorSpec have =
          actual.stream()
              .filter(spec -> spec.name().equals(want.name()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new ModelConfigException(
                          kind
                              + " '"
                              + want.name()
                              + "' is not in the model; its "
                              + kind
                              + "s are "
                              + names(actual)));
      result.add(reconcile(want, have, batched, kind));
    }
    if (requireAll) {
      for (TensorSpec spec : actual) {
        if (declared.stream().noneMatch(want -> want.name().equals(spec.name()))) {
          throw new ModelConfigException(
              "model " + kind + " '" + spec.name() + "' is not declared in the config; declare it");
        }
      }
    }
    return result;
  }

  private static TensorSpec reconcile(
      TensorSpec want, TensorSpec have, boolean batched, String kind) {
    String where = kind + " '" + want.name() + "'";
    if (want.dataType() != have.dataType()) {
      throw new ModelConfigException(
          where
              + " is declared "
              + want.dataType().configName()
              + " but the model has "
              + have.dataType().configName());
    }
    long[] modelDims = batched ? Shape.dropFirst(have.dims()) : have.dims();
    long[] wantDims = want.dims();
    String mismatch =
        where
            + " is declared with dims "
            + Shape.format(wantDims)
            + " but the model has "
            + Shape.format(modelDims)
            + (batched ? " after its batch dimension" : "");
    if (wantDims.length != modelDims.length) {
      throw new ModelConfigException(mismatch);
    }
    long[] dims = new long[wantDims.length];
    for (int i = 0; i < dims.length; i++) {
      if (wantDims[i] == -1) {
        dims[i] = modelDims[i];
      } else if (modelDims[i] == -1 || modelDims[i] == wantDims[i]) {
        dims[i] = wantDims[i];
      } else {
        throw new ModelConfigException(mismatch);
      }
    }
    return new TensorSpec(want.name(), want.dataType(), dims);
  }

  private static String names(List<TensorSpec> specs) {
    return specs.stream().map(TensorSpec::name).collect(Collectors.joining(", ", "[", "]"));
  }
}
