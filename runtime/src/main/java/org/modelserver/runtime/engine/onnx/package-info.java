/**
 * ONNX Runtime behind the engine abstraction: the only package that sees {@code ai.onnxruntime}.
 */
package org.modelserver.runtime.engine.onnx;
