package org.modelserver.runtime.registry;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;

/** The models this server knows, by name. Thread-safe; closing it closes every session. */
public final class ModelRegistry implements AutoCloseable {
  private final Map<String, Model> models = new ConcurrentHashMap<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  /**
   * Runs {@code listener} after every change of the registry (a model added, swapped or removed),
   * on the thread that made it; for state that follows the models', such as a health service.
   */
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  private void changed() {
    listeners.forEach(Runnable::run);
  }

  /** Adds or replaces a model; a replaced model's versions are closed. */
  public void put(Model model) {
    Model previous = models.put(model.name(), model);
    changed();
    if (previous != null && previous != model) {
      previous.close();
    }
  }

  /**
   * Makes {@code model} the one requests resolve to, atomically, and hands back the model it
   * replaced without closing it: the caller drains what the new model no longer uses.
   */
  public Optional<Model> swap(Model model) {
    Optional<Model> replaced = Optional.ofNullable(models.put(model.name(), model));
    changed();
    return replaced;
  }

  /** Forgets a model without closing it; the caller drains its versions. */
  public Optional<Model> remove(String name) {
    Optional<Model> removed = Optional.ofNullable(models.remove(name));
    changed();
    return removed;
  }

  public Optional<Model> find(String name) {
    return Optional.ofNullable(models.get(name));
  }

  /** The model, loaded (not unloaded); 404 otherwise. */
  public Model requireLoaded(String name) {
    return find(name)
        .filter(model -> !model.isUnloaded())
        .orElseThrow(() -> ServingException.notFound("model '" + name + "' is not loaded"));
  }

  /** Every model, sorted by name. */
  public List<Model> models() {
    return models.values().stream().sorted((a, b) -> a.name().compareTo(b.name())).toList();
  }

  /**
   * Triton's repository index: every model version with its state and reason, sorted by name and
   * version; a model with no version folders appears once, without a version.
   *
   * @param readyOnly list only READY versions
   */
  public List<IndexEntry> index(boolean readyOnly) {
    List<IndexEntry> entries = new java.util.ArrayList<>();
    for (Model model : models()) {
      if (model.versions().isEmpty()) {
        if (!readyOnly) {
          // An unloaded model or one that never loaded: Triton lists it without a version.
          entries.add(
              new IndexEntry(model.name(), "", ModelState.UNAVAILABLE, model.unavailableReason()));
        }
        continue;
      }
      for (ModelVersion version : model.versions().values()) {
        if (!readyOnly || version.isReady()) {
          // A READY version kept because a reload failed says why it is still the one serving.
          String reason =
              version.isReady() && !model.problem().isEmpty()
                  ? "still serving; " + model.problem()
                  : version.reason();
          // An open circuit breaker: READY (loaded) but refusing requests for now.
          String refusal = version.guard().flatMap(guard -> guard.refusal()).orElse("");
          if (!refusal.isEmpty()) {
            reason = reason.isEmpty() ? refusal : reason + "; " + refusal;
          }
          entries.add(
              new IndexEntry(
                  model.name(), Long.toString(version.version()), version.state(), reason));
        }
      }
    }
    return entries;
  }

  /**
   * Whether the server is ready: every model has a version serving, except models an operator
   * unloaded. A model whose newest upload failed while an older version serves counts as ready, so
   * one bad upload does not take the server out of a load balancer.
   */
  public boolean allReady() {
    return notReady().isEmpty();
  }

  /** The models that keep the server from being ready (see {@link #allReady()}). */
  public List<Model> notReady() {
    return models().stream().filter(m -> !m.isUnloaded() && !m.isReady()).toList();
  }

  /**
   * The model a request addresses, when the model and the version asked for (if any) are known,
   * ready or not: Triton answers NOT_FOUND for them before looking at anything else in a request.
   *
   * @throws ServingException NOT_FOUND for an unknown model or version
   */
  public Model requireKnown(String modelName, Optional<Long> version) {
    Model model =
        find(modelName)
            .orElseThrow(() -> ServingException.notFound("unknown model '" + modelName + "'"));
    if (version.isPresent() && model.version(version.get()).isEmpty()) {
      throw ServingException.notFound(
          "model '"
              + modelName
              + "' has no version "
              + version.get()
              + "; loaded versions are "
              + model.versions().keySet());
    }
    return model;
  }

  /**
   * The READY version a request addresses.
   *
   * @param version the version asked for, or empty for the model's default version
   * @throws ServingException NOT_FOUND for an unknown model or version, UNAVAILABLE for one that is
   *     known but not ready
   */
  public ModelVersion resolve(String modelName, Optional<Long> version) {
    Model model = requireKnown(modelName, version);
    if (version.isEmpty()) {
      return model
          .defaultVersion()
          .orElseThrow(
              () ->
                  ServingException.unavailable(
                      "model '"
                          + modelName
                          + "' has no ready version: "
                          + model.unavailableReason()));
    }
    ModelVersion found = model.version(version.get()).orElseThrow();
    if (!found.isReady()) {
      throw ServingException.unavailable(
          "model '"
              + modelName
              + "' version "
              + found.version()
              + " is not ready: "
              + found.reason());
    }
    return found;
  }

  /**
   * The READY version that answers an inference request: the one asked for, or one drawn by the
   * model's traffic split, else its default version.
   *
   * @throws ServingException as {@link #resolve}
   */
  public ModelVersion route(String modelName, Optional<Long> version) {
    return route(modelName, version, RequestHeaders.NONE);
  }

  /**
   * As {@link #route(String, Optional)}, with the request's headers for a sticky split.
   *
   * @throws ServingException as {@link #resolve}
   */
  public ModelVersion route(String modelName, Optional<Long> version, RequestHeaders headers) {
    if (version.isPresent()) {
      return resolve(modelName, version);
    }
    Model model = requireKnown(modelName, version);
    return model
        .routedVersion(ThreadLocalRandom.current(), headers)
        .orElseGet(() -> resolve(modelName, version));
  }

  /**
   * Why a model (version) is not ready, as the readiness endpoints answer it.
   *
   * @return empty when it is READY
   * @throws ServingException NOT_FOUND for an unknown model or version
   */
  public Optional<String> notReadyReason(String modelName, Optional<Long> version) {
    try {
      resolve(modelName, version);
      return Optional.empty();
    } catch (ServingException e) {
      if (e.kind() == ErrorKind.NOT_FOUND) {
        throw e;
      }
      return Optional.of(e.getMessage());
    }
  }

  /**
   * The versions Triton's statistics extension lists, all READY: every one of every model (no
   * model), every one of a model (no version), or one version.
   *
   * @throws ServingException NOT_FOUND / UNAVAILABLE as {@link #resolve}; INVALID_ARGUMENT for a
   *     version without a model
   */
  public List<ModelVersion> statisticsOf(Optional<String> modelName, Optional<Long> version) {
    if (modelName.isEmpty()) {
      if (version.isPresent()) {
        throw ServingException.invalidArgument(
            "statistics for version '" + version.get() + "' need a model 'name'");
      }
      return models().stream().flatMap(model -> model.readyVersions().stream()).toList();
    }
    ModelVersion resolved = resolve(modelName.get(), version);
    if (version.isPresent()) {
      return List.of(resolved);
    }
    return find(modelName.get()).orElseThrow().readyVersions();
  }

  @Override
  public void close() {
    models.values().forEach(Model::close);
    models.clear();
  }
}
