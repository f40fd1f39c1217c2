/**
 * The engine abstraction: an {@link org.modelserver.runtime.engine.Engine} loads a model file into
 * an {@link org.modelserver.runtime.engine.EngineSession} that executes named tensors. Native types
 * never leave the engine sub-packages.
 */
package org.modelserver.runtime.engine;
