package org.modelserver.runtime.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.json.StrictJson;
import org.modelserver.runtime.repository.FileTrees;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Operators' and the trainer's decisions about which version serves, kept across restarts: each
 * model's pin (the default version an operator chose, or that a {@code promote: never} job kept)
 * and its held versions (published by a fine-tuning job but not promoted: loaded, served when asked
 * for by number, never the default until pinned). One file per model, {@code
 * <repository>/.serving/<model>.json}, written atomically (temporary file, fsync, rename, fsync of
 * the folder) before the decision takes effect, and read at start. The file also keeps the model's
 * traffic split ({@code "traffic": {"1": 95, "3": 5}}, and {@code "traffic_sticky_header"} when it
 * is sticky) and its shadow ({@code "shadow": {"version": "3", "percent": 10}}).
 *
 * <p>Not thread-safe: {@link ModelManager} uses it under its lock.
 */
final class ServingDecisions {
  private static final Logger log = LoggerFactory.getLogger(ServingDecisions.class);
  private static final ObjectMapper JSON = StrictJson.json();

  /** A model's decisions: its pin, its held versions, its traffic split and its shadow. */
  record Decision(
      Optional<Long> pin, SortedSet<Long> held, TrafficSplit split, ShadowSetting shadow) {
    static final Decision NONE =
        new Decision(Optional.empty(), new TreeSet<>(), TrafficSplit.NONE, ShadowSetting.NONE);

    Decision {
      held = Collections.unmodifiableSortedSet(new TreeSet<>(held));
    }

    /** Decisions without a shadow. */
    Decision(Optional<Long> pin, SortedSet<Long> held, TrafficSplit split) {
      this(pin, held, split, ShadowSetting.NONE);
    }

    Decision withPin(Optional<Long> version) {
      return new Decision(version, held, split, shadow);
    }

    Decision withSplit(TrafficSplit next) {
      return new Decision(pin, held, next, shadow);
    }

    Decision withShadow(ShadowSetting next) {
      return new Decision(pin, held, split, next);
    }

    Decision hold(long version) {
      SortedSet<Long> more = new TreeSet<>(held);
      more.add(version);
      return new Decision(pin, more, split, shadow);
    }

    Decision release(long version) {
      SortedSet<Long> fewer = new TreeSet<>(held);
      fewer.remove(version);
      return new Decision(pin, fewer, split, shadow);
    }

    boolean isEmpty() {
      return pin.isEmpty() && held.isEmpty() && split.isEmpty() && shadow.isEmpty();
    }
  }

  private final Path folder;
  private final Map<String, Decision> cache = new HashMap<>();

  ServingDecisions(Path repositoryRoot) {
    this.folder = repositoryRoot.toAbsolutePath().normalize().resolve(".serving");
  }

  /** The model's decisions (none when nothing was decided or the file cannot be read). */
  Decision of(String model) {
    return cache.computeIfAbsent(model, this::read);
  }

  /**
   * Forgets what was read of the model's decisions, so the next {@link #of} reads the file again:
   * another process sharing the repository (a batch fine-tuning job) may have written it.
   */
  void reread(String model) {
    cache.remove(model);
  }

  /**
   * Records the model's decisions on disk, then in memory.
   *
   * @return false when the file could not be written: the decision then holds until the server
   *     stops (a read-only repository), and the log says so
   */
  boolean save(String model, Decision decision) {
    if (decision.equals(of(model))) {
      return true;
    }
    cache.put(model, decision);
    Path file = folder.resolve(model + ".json");
    try {
      if (decision.isEmpty()) {
        Files.deleteIfExists(file);
        FileTrees.syncDirectory(folder);
      } else {
        FileTrees.writeAtomically(file, JSON.writeValueAsBytes(toJson(decision)));
      }
      return true;
    } catch (IOException | RuntimeException e) {
      log.warn(
          "Cannot record the serving decisions of model {} in {} ({}); they last until the server"
              + " stops",
          model,
          file,
          e.toString());
      return false;
    }
  }

  private Decision read(String model) {
    Path file = folder.resolve(model + ".json");
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return Decision.NONE;
    }
    try {
      JsonNode node = JSON.readTree(Files.readAllBytes(file));
      Optional<Long> pin =
          node.hasNonNull("pinned")
              ? Optional.of(Long.parseLong(node.get("pinned").asString()))
              : Optional.empty();
      SortedSet<Long> held = new TreeSet<>();
      node.path("held").forEach(version -> held.add(Long.parseLong(version.asString())));
      return new Decision(
          pin,
          held,
          readSplit(model, file, node.path("traffic"), node.path("traffic_sticky_header")),
          readShadow(model, file, node.path("shadow")));
    } catch (NoSuchFileException e) {
      return Decision.NONE;
    } catch (IOException | JacksonException | NumberFormatException e) {
      log.warn("Ignoring the unreadable serving decisions of model {} in {}: {}", model, file, e);
      return Decision.NONE;
    }
  }

  /** The stored split; an invalid one (edited by hand) is ignored alone, keeping the pin. */
  private static TrafficSplit readSplit(
      String model, Path file, JsonNode node, JsonNode stickyHeader) {
    if (node.isMissingNode() || node.isNull() || node.isEmpty()) {
      return TrafficSplit.NONE;
    }
    Map<Long, Integer> shares = new HashMap<>();
    for (Map.Entry<String, JsonNode> share : node.properties()) {
      shares.put(Long.parseLong(share.getKey()), share.getValue().asInt());
    }
    try {
      return TrafficSplit.of(shares)
          .withStickyHeader(
              stickyHeader.isString() ? Optional.of(stickyHeader.asString()) : Optional.empty());
    } catch (ServingException e) {
      log.warn(
          "Ignoring the invalid traffic split of model {} in {}: {}", model, file, e.getMessage());
      return TrafficSplit.NONE;
    }
  }

  /** The stored shadow; an invalid one (edited by hand) is ignored alone, keeping the rest. */
  private static ShadowSetting readShadow(String model, Path file, JsonNode node) {
    if (node.isMissingNode() || node.isNull() || node.isEmpty()) {
      return ShadowSetting.NONE;
    }
    try {
      return ShadowSetting.of(
          Long.parseLong(node.path("version").asString()), node.path("percent").asInt());
    } catch (ServingException | NumberFormatException | JacksonException e) {
      log.warn("Ignoring the invalid shadow of model {} in {}: {}", model, file, e.getMessage());
      return ShadowSetting.NONE;
    }
  }

  private static ObjectNode toJson(Decision decision) {
    ObjectNode node = JSON.createObjectNode();
    decision.pin().ifPresent(version -> node.put("pinned", Long.toString(version)));
    var held = node.putArray("held");
    decision.held().forEach(version -> held.add(Long.toString(version)));
    if (!decision.split().isEmpty()) {
      ObjectNode traffic = node.putObject("traffic");
      decision
          .split()
          .shares()
          .forEach((version, share) -> traffic.put(Long.toString(version), share));
      decision.split().stickyHeader().ifPresent(name -> node.put("traffic_sticky_header", name));
    }
    ShadowSetting shadow = decision.shadow();
    shadow
        .version()
        .ifPresent(
            version -> {
              ObjectNode mirrored = node.putObject("shadow");
              mirrored.put("version", Long.toString(version));
              mirrored.put("percent", shadow.percent());
            });
    return node;
  }
}
