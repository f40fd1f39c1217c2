package org.modelserver.runtime.registry;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.modelserver.runtime.config.EnsembleStep;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.repository.ModelSource;

/**
 * The order models load in: every model that is not an ensemble first, in the repository's order,
 * then each ensemble after the ensembles it uses. Ensembles in a cycle come last, in the
 * repository's order; their load names the cycle.
 */
final class LoadOrder {
  private LoadOrder() {}

  static List<ModelSource> of(
      List<ModelSource> sources, Function<String, Optional<ModelConfig>> configs) {
    List<ModelSource> order = new ArrayList<>();
    Map<String, ModelSource> ensembles = new LinkedHashMap<>();
    Map<String, List<String>> uses = new LinkedHashMap<>();
    for (ModelSource source : sources) {
      Optional<ModelConfig> config = configs.apply(source.name());
      if (config.isPresent() && config.get().isEnsemble()) {
        ensembles.put(source.name(), source);
        uses.put(
            source.name(),
            config.get().ensembleSteps().stream().map(EnsembleStep::modelName).toList());
      } else {
        order.add(source);
      }
    }
    Set<String> placed = new HashSet<>();
    boolean progress = true;
    while (progress) {
      progress = false;
      for (Map.Entry<String, ModelSource> entry : ensembles.entrySet()) {
        String name = entry.getKey();
        if (!placed.contains(name)
            && uses.get(name).stream()
                .allMatch(used -> placed.contains(used) || !ensembles.containsKey(used))) {
          placed.add(name);
          order.add(entry.getValue());
          progress = true;
        }
      }
    }
    ensembles.forEach(
        (name, source) -> {
          if (!placed.contains(name)) {
            order.add(source);
          }
        });
    return order;
  }
}
