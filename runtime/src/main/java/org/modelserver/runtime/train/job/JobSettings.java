package org.modelserver.runtime.train.job;

import org.modelserver.runtime.train.spec.OptimizerSpec;
import org.modelserver.runtime.train.spec.TrainingSpec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A job's settings as JSON, every default filled in, in the field names of the request: recorded
 * with the job and in the new version's {@code training.json}, so a run can be repeated exactly.
 */
final class JobSettings {
  private JobSettings() {}

  /** Everything but the dataset, which a job records separately (checksum instead of the data). */
  static ObjectNode of(TrainingSpec spec) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("loss", spec.loss().configName());
    OptimizerSpec optimizer = spec.optimizer();
    ObjectNode optimizerNode =
        node.putObject("optimizer")
            .put("type", optimizer.type().configName())
            .put("lr", optimizer.learningRate());
    if (optimizer.type() == OptimizerSpec.Type.SGD) {
      optimizerNode.put("momentum", optimizer.momentum());
    }
    optimizerNode.put("weight_decay", optimizer.weightDecay());
    node.put("epochs", spec.epochs());
    node.put("batch_size", spec.batchSize());
    node.put("shuffle", spec.shuffle());
    node.put("seed", spec.seed());
    node.put("validation_split", spec.validationSplit());
    spec.earlyStopping()
        .ifPresent(
            stopping ->
                node.putObject("early_stopping")
                    .put("patience", stopping.patience())
                    .put("min_delta", stopping.minDelta()));
    ArrayNode freeze = node.putArray("freeze");
    spec.freeze().forEach(freeze::add);
    node.put("output", spec.output());
    node.put("promote", spec.promote().configName());
    node.put("device", spec.device());
    return node;
  }
}
