/**
 * A fine-tuning job's settings (TrainingSpec: dataset, loss, optimizer, epochs, freeze, promote)
 * and their strict parser, in DJL's training vocabulary but without DJL.
 */
package org.modelserver.runtime.train.spec;
