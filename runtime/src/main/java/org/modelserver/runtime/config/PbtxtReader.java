package org.modelserver.runtime.config;

import tools.jackson.databind.JsonNode;

/**
 * Reads Triton's {@code config.pbtxt} (protobuf text format) into the tree that the same config
 * written as {@code config.yaml} gives, so that every check and default applies identically.
 * Runtime has no protobuf, so the server supplies the reader to {@link ModelConfigParser}; without
 * one, {@code config.pbtxt} is refused.
 */
@FunctionalInterface
public interface PbtxtReader {
  /**
   * The fields written in {@code text}, by Triton's names; scalars as numbers, strings and
   * booleans, enums by name, maps as mappings.
   *
   * @throws ModelConfigException when the text does not parse, with the line and column
   */
  JsonNode read(String text);
}
