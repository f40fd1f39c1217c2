/**
 * The embedded trainer, in four parts: {@code spec} (a job's settings), {@code data} (datasets),
 * {@code torch} (the libtorch training loop) and {@code job} (queue, records, publication as a new
 * version).
 */
package org.modelserver.runtime.train;
