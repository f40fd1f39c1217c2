package org.modelserver.runtime.train.job;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.modelserver.runtime.train.job.JobRecord.DatasetSummary;
import org.modelserver.runtime.train.job.JobRecord.JobDescription;
import org.modelserver.runtime.train.job.JobRecord.Outcome;
import org.modelserver.runtime.train.job.JobRecord.Progress;
import org.modelserver.runtime.train.spec.DatasetFormat;
import org.modelserver.runtime.train.torch.EpochMetrics;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Job records as JSON: the same object for the jobs API, its events and the record files, so what a
 * client sees after a restart is what it saw before. Versions are strings, as in the KServe
 * protocol; losses that are not numbers (no validation split) are null.
 */
public final class JobJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JobJson() {}

  /** A job as the API shows it. */
  public static ObjectNode of(JobRecord job) {
    JobDescription description = job.description();
    Progress progress = job.progress();
    Outcome outcome = job.outcome();
    ObjectNode node = NODES.objectNode();
    node.put("job_id", description.id());
    node.put("model", description.model());
    node.put("version", Long.toString(description.baseVersion()));
    node.put("state", job.state().configName());
    if (job.cancelRequested() && !job.state().isFinished()) {
      node.put("cancel_requested", true);
    }
    node.put("created", description.created().toString());
    job.started().ifPresent(at -> node.put("started", at.toString()));
    job.finished().ifPresent(at -> node.put("finished", at.toString()));
    node.put("epoch", progress.epoch());
    node.put("epochs", progress.epochs());
    node.put("step", progress.step());
    node.set("train_loss", numbers(progress.trainLoss()));
    node.set("val_loss", numbers(progress.validationLoss()));
    number(node, "current_loss", progress.currentLoss());
    node.put("samples_trained", progress.samplesTrained());
    number(node, "samples_per_second", progress.samplesPerSecond());
    node.put("elapsed_seconds", progress.elapsed().toNanos() / 1e9);
    outcome
        .outputVersion()
        .ifPresent(
            version ->
                node.putObject("output")
                    .put("model", description.model())
                    .put("version", Long.toString(version)));
    node.put("promoted", outcome.promoted());
    outcome.error().ifPresent(error -> node.put("error", error));
    number(node, "base_val_loss", outcome.baseValidationLoss());
    node.set("trained_parameters", strings(outcome.trainedParameters()));
    node.set("frozen_parameters", strings(outcome.frozenParameters()));
    node.put("stopped_early", outcome.stoppedEarly());
    node.set("dataset", dataset(description.dataset()));
    node.set("settings", description.settings());
    return node;
  }

  /** One epoch's figures, for the events stream. */
  public static ObjectNode epoch(JobRecord job, EpochMetrics metrics) {
    ObjectNode node = NODES.objectNode();
    node.put("job_id", job.id());
    node.put("state", job.state().configName());
    node.put("epoch", metrics.epoch());
    node.put("epochs", job.progress().epochs());
    number(node, "train_loss", metrics.trainLoss());
    number(node, "val_loss", metrics.validationLoss());
    node.put("samples", metrics.samples());
    node.put("samples_trained", job.progress().samplesTrained());
    number(node, "samples_per_second", job.progress().samplesPerSecond());
    node.put("elapsed_seconds", job.progress().elapsed().toNanos() / 1e9);
    return node;
  }

  static ObjectNode dataset(DatasetSummary dataset) {
    ObjectNode node = NODES.objectNode();
    node.put("format", dataset.format().configName());
    node.put("source", dataset.source());
    dataset.name().ifPresent(name -> node.put("name", name));
    node.put("sha256", dataset.sha256());
    node.put("bytes", dataset.bytes());
    node.put("samples", dataset.samples());
    return node;
  }

  /**
   * Reads a record written by {@link #of}.
   *
   * @throws IllegalArgumentException naming what is missing or wrong
   */
  static JobRecord read(JsonNode node) {
    JsonNode dataset = required(node, "dataset");
    DatasetSummary summary =
        new DatasetSummary(
            DatasetFormat.fromConfigName(text(dataset, "format"))
                .orElseThrow(() -> new IllegalArgumentException("unknown dataset.format")),
            text(dataset, "source"),
            Optional.ofNullable(dataset.get("name")).map(JsonNode::asString),
            text(dataset, "sha256"),
            required(dataset, "bytes").asLong(),
            required(dataset, "samples").asInt());
    JobDescription description =
        new JobDescription(
            text(node, "job_id"),
            text(node, "model"),
            Long.parseLong(text(node, "version")),
            Instant.parse(text(node, "created")),
            summary,
            required(node, "settings"));
    JobState state =
        JobState.fromConfigName(text(node, "state"))
            .orElseThrow(() -> new IllegalArgumentException("unknown state"));
    Progress progress =
        new Progress(
            required(node, "epoch").asInt(),
            required(node, "epochs").asInt(),
            required(node, "step").asInt(),
            doubles(node.get("train_loss")),
            doubles(node.get("val_loss")),
            number(node.get("current_loss")),
            required(node, "samples_trained").asLong(),
            number(node.get("samples_per_second")),
            Duration.ofNanos(Math.round(required(node, "elapsed_seconds").asDouble() * 1e9)));
    JsonNode output = node.get("output");
    Outcome outcome =
        new Outcome(
            output == null
                ? Optional.empty()
                : Optional.of(Long.parseLong(text(output, "version"))),
            node.path("promoted").asBoolean(false),
            Optional.ofNullable(node.get("error")).map(JsonNode::asString),
            number(node.get("base_val_loss")),
            stringList(node.get("trained_parameters")),
            stringList(node.get("frozen_parameters")),
            node.path("stopped_early").asBoolean(false));
    return new JobRecord(
        description,
        state,
        node.path("cancel_requested").asBoolean(false),
        instant(node.get("started")),
        instant(node.get("finished")),
        progress,
        outcome);
  }

  private static void number(ObjectNode node, String field, double value) {
    if (Double.isFinite(value)) {
      node.put(field, value);
    } else {
      node.putNull(field);
    }
  }

  private static ArrayNode numbers(List<Double> values) {
    ArrayNode array = NODES.arrayNode();
    values.forEach(value -> array.add(Double.isFinite(value) ? NODES.numberNode(value) : null));
    return array;
  }

  private static ArrayNode strings(List<String> values) {
    ArrayNode array = NODES.arrayNode();
    values.forEach(array::add);
    return array;
  }

  private static JsonNode required(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("field '" + field + "' is missing");
    }
    return value;
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = required(node, field);
    if (!value.isString()) {
      throw new IllegalArgumentException("field '" + field + "' is not a string");
    }
    return value.stringValue();
  }

  private static double number(JsonNode node) {
    return node == null || !node.isNumber() ? Double.NaN : node.doubleValue();
  }

  private static List<Double> doubles(JsonNode array) {
    List<Double> values = new ArrayList<>();
    if (array != null) {
      array.forEach(value -> values.add(number(value)));
    }
    return values;
  }

  private static List<String> stringList(JsonNode array) {
    List<String> values = new ArrayList<>();
    if (array != null) {
      array.forEach(value -> values.add(value.asString()));
    }
    return values;
  }

  private static Optional<Instant> instant(JsonNode node) {
    return node == null || node.isNull()
        ? Optional.empty()
        : Optional.of(Instant.parse(node.asString()));
  }
}
