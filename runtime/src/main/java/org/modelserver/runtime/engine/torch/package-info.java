/**
 * libtorch through DJL behind the engine abstraction (TorchScript models): with {@code
 * train.torch}, the only package that sees {@code ai.djl}.
 */
package org.modelserver.runtime.engine.torch;
