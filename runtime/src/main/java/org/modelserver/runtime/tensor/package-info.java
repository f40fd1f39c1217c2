/**
 * Tensors (little-endian direct buffers, or byte strings), data types with the protocol's and
 * config's names, shapes and half-float conversion.
 */
package org.modelserver.runtime.tensor;
