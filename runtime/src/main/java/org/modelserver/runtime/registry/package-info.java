/**
 * Loaded models and their versions: the registry (resolution, atomic swap), loading a model folder,
 * and model management (control modes, hot swap with draining, pins, uploads) behind the {@link
 * org.modelserver.runtime.registry.ModelManager} facade.
 */
package org.modelserver.runtime.registry;
