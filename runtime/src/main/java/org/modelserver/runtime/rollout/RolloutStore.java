package org.modelserver.runtime.rollout;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.modelserver.runtime.json.StrictJson;
import org.modelserver.runtime.repository.FileTrees;
import org.modelserver.runtime.repository.ModelRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Rollouts kept across restarts: one file per model, {@code
 * <repository>/.serving/rollouts/<model>.json}, written atomically (temporary file, fsync, rename)
 * at every transition. A running rollout resumes at its step, with fresh windows; an ended one is
 * kept for the API until a new one replaces it or it is deleted.
 */
final class RolloutStore {
  private static final Logger log = LoggerFactory.getLogger(RolloutStore.class);
  private static final ObjectMapper JSON = StrictJson.json();

  private final Path folder;

  RolloutStore(Path repositoryRoot) {
    this.folder =
        repositoryRoot.toAbsolutePath().normalize().resolve(".serving").resolve("rollouts");
  }

  /** What a file holds. */
  record Stored(
      String model,
      RolloutPolicy policy,
      Rollout.Phase phase,
      int step,
      List<Rollout.Transition> transitions) {}

  /** Records the rollout; false (and a warning) when the file cannot be written. */
  boolean save(Rollout rollout) {
    ObjectNode node = JSON.createObjectNode();
    node.set("policy", rollout.policy().toJson());
    node.put("phase", rollout.phase().name());
    node.put("step", rollout.step());
    ArrayNode history = node.putArray("transitions");
    for (Rollout.Transition transition : rollout.transitions()) {
      ObjectNode entry = history.addObject();
      entry.put("at", transition.at().toString());
      entry.put("phase", transition.phase().name());
      entry.put("canary_percent", transition.canaryPercent());
      entry.put("reason", transition.reason());
    }
    Path file = folder.resolve(rollout.model() + ".json");
    try {
      Files.createDirectories(folder);
      FileTrees.writeAtomically(file, JSON.writeValueAsBytes(node));
      return true;
    } catch (IOException | RuntimeException e) {
      log.warn(
          "Cannot record the rollout of model {} in {} ({}); it lasts until the server stops",
          rollout.model(),
          file,
          e.toString());
      return false;
    }
  }

  void delete(String model) {
    try {
      Files.deleteIfExists(folder.resolve(model + ".json"));
      FileTrees.syncDirectory(folder);
    } catch (IOException e) {
      log.warn("Cannot delete the rollout record of model {}: {}", model, e.toString());
    }
  }

  /** Every readable record; unreadable ones are logged and skipped. */
  List<Stored> readAll() {
    List<Stored> stored = new ArrayList<>();
    if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
      return stored;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*.json")) {
      for (Path file : files) {
        read(file).ifPresent(stored::add);
      }
    } catch (IOException e) {
      log.warn("Cannot list the rollouts in {}: {}", folder, e.toString());
    }
    return stored;
  }

  private static Optional<Stored> read(Path file) {
    String name = file.getFileName().toString();
    String model = name.substring(0, name.length() - ".json".length());
    if (!ModelRepository.isValidModelName(model)
        || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    try {
      JsonNode node = JSON.readTree(Files.readAllBytes(file));
      RolloutPolicy policy = RolloutPolicy.fromJson(node.required("policy"));
      Rollout.Phase phase = Rollout.Phase.valueOf(node.required("phase").asString());
      int step = node.required("step").asInt();
      if (policy.baseline().isEmpty() || step < 0 || step >= policy.steps().size()) {
        throw new IllegalArgumentException("step " + step + " or the baseline is out of place");
      }
      List<Rollout.Transition> transitions = new ArrayList<>();
      for (JsonNode entry : node.path("transitions")) {
        transitions.add(
            new Rollout.Transition(
                Instant.parse(entry.required("at").asString()),
                Rollout.Phase.valueOf(entry.required("phase").asString()),
                entry.required("canary_percent").asInt(),
                entry.required("reason").asString()));
      }
      return Optional.of(new Stored(model, policy, phase, step, transitions));
    } catch (IOException | RuntimeException e) {
      log.warn("Ignoring the unreadable rollout record {}: {}", file, e.toString());
      return Optional.empty();
    }
  }
}
