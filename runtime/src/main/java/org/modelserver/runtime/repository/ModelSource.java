package org.modelserver.runtime.repository;

import java.nio.file.Path;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * One model folder of the repository: its name and its version folders by number.
 *
 * @param name the folder name, which is the model's name
 * @param dir the model folder
 * @param versions version folders by version number
 */
public record ModelSource(String name, Path dir, NavigableMap<Long, Path> versions) {
  public ModelSource {
    versions = Collections.unmodifiableNavigableMap(new TreeMap<>(versions));
  }
}
