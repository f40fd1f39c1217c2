package org.modelserver.runtime.registry;

/**
 * One row of Triton's repository index: a model version and its state, or a model with no version
 * (an empty version) when none could be listed.
 */
public record IndexEntry(String name, String version, ModelState state, String reason) {}
