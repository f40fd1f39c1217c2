package org.modelserver.runtime.registry;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.modelserver.runtime.config.EnsembleStep;
import org.modelserver.runtime.config.ModelConfig;

/** The loaded ensembles that use a model, directly or through other ensembles. */
final class Dependents {
  private Dependents() {}

  static List<Model> of(String name, ModelRegistry registry) {
    Set<String> reached = new LinkedHashSet<>(List.of(name));
    List<Model> found = new ArrayList<>();
    boolean progress = true;
    while (progress) {
      progress = false;
      for (Model model : registry.models()) {
        if (!model.isUnloaded() && !reached.contains(model.name()) && uses(model, reached)) {
          reached.add(model.name());
          found.add(model);
          progress = true;
        }
      }
    }
    return found;
  }

  private static boolean uses(Model model, Set<String> names) {
    return model.versions().values().stream()
        .flatMap(version -> version.config().stream())
        .filter(ModelConfig::isEnsemble)
        .flatMap(config -> config.ensembleSteps().stream())
        .map(EnsembleStep::modelName)
        .anyMatch(names::contains);
  }
}
