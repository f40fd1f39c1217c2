package org.modelserver.runtime.train.spec;

import java.util.List;
import java.util.Optional;
import org.modelserver.runtime.config.ModelConfig;
import tools.jackson.databind.JsonNode;

/**
 * The validated settings of a fine-tuning job. Build one with {@link #parse}, which checks them
 * against the model's config.
 *
 * @param dataset where the samples come from
 * @param loss the loss to minimise on {@code output}
 * @param epochs passes over the training samples, 1 or more
 * @param batchSize samples per optimizer step (the last step of an epoch may have fewer)
 * @param shuffle whether each epoch visits the training samples in a new order
 * @param seed seeds the validation split, the epoch order and libtorch's generator: the same seed,
 *     data and settings give bit-identical weights
 * @param validationSplit fraction of the samples held out to measure the validation loss, in [0, 1)
 * @param earlyStopping stop on a validation loss that no longer improves; needs a validation split
 * @param freeze glob patterns ({@code *} any characters, {@code ?} one) on parameter names, such as
 *     {@code body.*}: matching parameters keep their values
 * @param output the model output that is trained
 * @param promote what the caller should do with the result; kept, not acted on here
 * @param device where to train: {@code auto}, {@code cpu} or {@code cuda:N} as asked; the job
 *     planner turns {@code auto} into the device chosen ({@link #withDevice})
 */
public record TrainingSpec(
    DatasetSource dataset,
    LossFunction loss,
    OptimizerSpec optimizer,
    int epochs,
    int batchSize,
    boolean shuffle,
    long seed,
    double validationSplit,
    Optional<EarlyStopping> earlyStopping,
    List<String> freeze,
    String output,
    Promote promote,
    String device) {
  public static final int DEFAULT_EPOCHS = 10;
  public static final int DEFAULT_BATCH_SIZE = 32;
  public static final int MAX_EPOCHS = 100_000;
  public static final int MAX_BATCH_SIZE = 65_536;

  public static final String DEVICE_AUTO = "auto";
  public static final String DEVICE_CPU = "cpu";

  public TrainingSpec {
    freeze = List.copyOf(freeze);
  }

  /** The same settings on another device ({@code cpu} or {@code cuda:N}). */
  public TrainingSpec withDevice(String chosen) {
    return new TrainingSpec(
        dataset,
        loss,
        optimizer,
        epochs,
        batchSize,
        shuffle,
        seed,
        validationSplit,
        earlyStopping,
        freeze,
        output,
        promote,
        chosen);
  }

  /** The CUDA device ordinal of {@code cuda:N}, or -1 for the CPU (and for {@code auto}). */
  public int cudaIndex() {
    return device.startsWith("cuda:") ? Integer.parseInt(device.substring(5)) : -1;
  }

  /**
   * Reads a job's settings. Fields: {@code dataset} (required: {@code {"format": "jsonl", "data":
   * "..."}} or {@code {"format": "jsonl" | "csv", "path": "..."}}), {@code loss} ({@code mse}),
   * {@code optimizer} ({@code {"type": "sgd", "lr": 0.01}}), {@code epochs} (10), {@code
   * batch_size} (32), {@code shuffle} (true), {@code seed} (0), {@code validation_split} (0),
   * {@code early_stopping} ({@code {"patience": 5, "min_delta": 0}}), {@code freeze} ([]), {@code
   * output} (the model's only output), {@code promote} ({@code never}) and {@code device} ({@code
   * auto}: a GPU when there is one libtorch can use, else the CPU; or {@code cpu}, {@code cuda:N}).
   *
   * @throws org.modelserver.runtime.error.ServingException INVALID_ARGUMENT naming the field and
   *     what was expected, for an unknown field too, or when the model cannot be trained so
   */
  public static TrainingSpec parse(JsonNode body, ModelConfig config) {
    return TrainingSpecParser.parse(body, config);
  }
}
