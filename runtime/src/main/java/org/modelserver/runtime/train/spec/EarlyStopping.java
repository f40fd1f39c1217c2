package org.modelserver.runtime.train.spec;

/**
 * Stop when the validation loss has not dropped by more than {@code minDelta} below its best for
 * {@code patience} epochs in a row.
 */
public record EarlyStopping(int patience, double minDelta) {}
