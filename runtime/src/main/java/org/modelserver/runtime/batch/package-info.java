/**
 * Triton's dynamic batcher for one model version: queues by priority, batch forming, the instance
 * pool and draining. Knows futures and deadlines, not status codes; time comes from an injectable
 * {@link org.modelserver.runtime.batch.SchedulerClock}.
 */
package org.modelserver.runtime.batch;
