package org.modelserver.runtime.train.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.modelserver.runtime.train.torch.EpochMetrics;
import org.modelserver.runtime.train.torch.FineTuneResult;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code training.json} of a fine-tuned version: where it came from (parent version, settings,
 * dataset checksum) and what training did (metrics, trained and frozen parameters, times).
 */
final class TrainingManifest {
  static final String FILE_NAME = "training.json";

  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private TrainingManifest() {}

  /** The id of the job that wrote a version's manifest, if the folder has a readable one. */
  static Optional<String> jobId(Path versionFolder) {
    Path file = versionFolder.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      tools.jackson.databind.JsonNode id = JSON.readTree(Files.readAllBytes(file)).get("job_id");
      return id != null && id.isString() ? Optional.of(id.stringValue()) : Optional.empty();
    } catch (IOException | tools.jackson.core.JacksonException e) {
      return Optional.empty();
    }
  }

  static void write(Path file, JobRecord job, FineTuneResult result, Instant written)
      throws IOException {
    Files.write(file, JSON.writeValueAsBytes(of(job, result, written)));
  }

  static ObjectNode of(JobRecord job, FineTuneResult result, Instant written) {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    ObjectNode node = nodes.objectNode();
    node.put("job_id", job.id());
    node.putObject("parent")
        .put("model", job.description().model())
        .put("version", Long.toString(job.description().baseVersion()));
    node.put("created", job.description().created().toString());
    job.started().ifPresent(at -> node.put("started", at.toString()));
    node.put("finished", written.toString());
    node.set("settings", job.description().settings());
    node.set("dataset", JobJson.dataset(job.description().dataset()));
    ObjectNode metrics = node.putObject("metrics");
    metrics.put("epochs_run", result.epochs().size());
    ArrayNode trainLoss = metrics.putArray("train_loss");
    ArrayNode validationLoss = metrics.putArray("val_loss");
    for (EpochMetrics epoch : result.epochs()) {
      trainLoss.add(finiteOrNull(nodes, epoch.trainLoss()));
      validationLoss.add(finiteOrNull(nodes, epoch.validationLoss()));
    }
    metrics.set("final_train_loss", finiteOrNull(nodes, result.finalTrainLoss()));
    metrics.set("final_val_loss", finiteOrNull(nodes, result.finalValidationLoss()));
    metrics.set("base_val_loss", finiteOrNull(nodes, result.baseValidationLoss()));
    metrics.put("improved_on_base", result.improvedOnBase());
    metrics.put("samples_trained", result.samplesTrained());
    metrics.set("samples_per_second", finiteOrNull(nodes, result.samplesPerSecond()));
    metrics.put("stopped_early", result.stoppedEarly());
    ObjectNode parameters = node.putObject("parameters");
    result.trainedParameters().forEach(parameters.putArray("trained")::add);
    result.frozenParameters().forEach(parameters.putArray("frozen")::add);
    return node;
  }

  private static tools.jackson.databind.JsonNode finiteOrNull(JsonNodeFactory nodes, double value) {
    return Double.isFinite(value) ? nodes.numberNode(value) : nodes.nullNode();
  }
}
