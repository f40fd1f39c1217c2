/**
 * Training datasets (JSONL and CSV) read into columns laid out for the model's inputs and the
 * loss's target.
 */
package org.modelserver.runtime.train.data;
