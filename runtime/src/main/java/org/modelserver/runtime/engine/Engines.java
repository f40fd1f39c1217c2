package org.modelserver.runtime.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The engines available in this process, by platform name. */
public final class Engines implements AutoCloseable {
  private final Map<String, Engine> byPlatform = new LinkedHashMap<>();

  public Engines(List<Engine> engines) {
    for (Engine engine : engines) {
      if (byPlatform.putIfAbsent(engine.platform(), engine) != null) {
        throw new IllegalArgumentException("two engines for platform " + engine.platform());
      }
    }
  }

  public Optional<Engine> forPlatform(String platform) {
    return Optional.ofNullable(byPlatform.get(platform));
  }

  public List<String> platforms() {
    return List.copyOf(byPlatform.keySet());
  }

  @Override
  public void close() {
    byPlatform.values().forEach(Engine::close);
  }
}
