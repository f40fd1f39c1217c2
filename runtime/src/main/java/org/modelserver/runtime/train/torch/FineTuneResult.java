package org.modelserver.runtime.train.torch;

import java.nio.file.Path;
import java.util.List;

/**
 * What a finished fine-tuning run did and where it wrote the model.
 *
 * @param epochs one entry per epoch run (fewer than asked when stopped early)
 * @param baseValidationLoss the base model's loss on the validation samples before training; NaN
 *     without a validation split
 * @param finalTrainLoss the last epoch's mean training loss
 * @param finalValidationLoss the last epoch's validation loss; NaN without a validation split
 * @param trainedParameters names of the parameters the optimizer updated, in the module's order
 * @param frozenParameters names of the parameters the freeze patterns kept unchanged
 * @param samplesTrained training samples processed over all epochs
 * @param samplesPerSecond {@code samplesTrained} over the time spent in the epochs (training steps
 *     and validation)
 * @param stoppedEarly whether early stopping ended the run before its last epoch
 * @param outputFile the TorchScript file written, loadable by {@code torch.jit.load}
 */
public record FineTuneResult(
    List<EpochMetrics> epochs,
    double baseValidationLoss,
    double finalTrainLoss,
    double finalValidationLoss,
    List<String> trainedParameters,
    List<String> frozenParameters,
    long samplesTrained,
    double samplesPerSecond,
    boolean stoppedEarly,
    Path outputFile) {
  public FineTuneResult {
    epochs = List.copyOf(epochs);
    trainedParameters = List.copyOf(trainedParameters);
    frozenParameters = List.copyOf(frozenParameters);
  }

  /**
   * Whether the tuned model has a lower validation loss than the base model (for {@code promote:
   * if_better}); false without a validation split.
   */
  public boolean improvedOnBase() {
    return finalValidationLoss < baseValidationLoss;
  }
}
