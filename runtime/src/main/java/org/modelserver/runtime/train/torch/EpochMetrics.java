package org.modelserver.runtime.train.torch;

import java.time.Duration;

/**
 * What one epoch did.
 *
 * @param epoch 1-based
 * @param trainLoss mean loss over the epoch's training samples, as the steps computed it
 * @param validationLoss mean loss over the held-out samples after the epoch; NaN without a split
 * @param samples training samples seen in this epoch
 * @param elapsed time since training started (after loading the model), at the end of this epoch
 */
public record EpochMetrics(
    int epoch, double trainLoss, double validationLoss, long samples, Duration elapsed) {}
