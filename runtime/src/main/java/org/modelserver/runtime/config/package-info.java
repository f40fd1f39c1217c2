/**
 * A model's configuration with Triton's field names: the immutable values (config, tensor specs,
 * batching and queue policies, instance groups, version policy, platforms), the strict parser of
 * {@code config.yaml} / {@code config.json}, and the completer that fills a config from the model's
 * own signature.
 */
package org.modelserver.runtime.config;
