/**
 * The fine-tuning job system: a bounded queue, job records that survive restarts, progress
 * listeners, cancellation, and publication of the result as a new model version.
 */
package org.modelserver.runtime.train.job;
