package org.modelserver.runtime.train.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.json.StrictFields;
import tools.jackson.databind.JsonNode;

/** Reads and checks {@link TrainingSpec} fields; every message names the field. */
final class TrainingSpecParser {
  private static final StrictFields FIELDS_CHECK =
      StrictFields.fields(ServingException::invalidArgument);

  private static final Set<String> FIELDS =
      Set.of(
          "dataset",
          "loss",
          "optimizer",
          "epochs",
          "batch_size",
          "shuffle",
          "seed",
          "validation_split",
          "early_stopping",
          "freeze",
          "output",
          "promote",
          "device");
  private static final Set<String> DATASET_FIELDS = Set.of("format", "data", "path");
  private static final Set<String> OPTIMIZER_FIELDS =
      Set.of("type", "lr", "momentum", "weight_decay");
  private static final Set<String> EARLY_STOPPING_FIELDS = Set.of("patience", "min_delta");
  private static final int DEFAULT_PATIENCE = 5;

  private TrainingSpecParser() {}

  static TrainingSpec parse(JsonNode body, ModelConfig config) {
    if (body == null || !body.isObject()) {
      throw ServingException.invalidArgument("the training settings must be a JSON object");
    }
    checkFields(body, "", FIELDS);
    DatasetSource dataset = dataset(body.get("dataset"));
    LossFunction loss =
        choice(body.get("loss"), "loss", LossFunction.configNames(), LossFunction::fromConfigName)
            .orElse(LossFunction.MSE);
    OptimizerSpec optimizer = optimizer(body.get("optimizer"));
    int epochs =
        integer(
            body.get("epochs"), "epochs", 1, TrainingSpec.MAX_EPOCHS, TrainingSpec.DEFAULT_EPOCHS);
    int batchSize =
        integer(
            body.get("batch_size"),
            "batch_size",
            1,
            TrainingSpec.MAX_BATCH_SIZE,
            TrainingSpec.DEFAULT_BATCH_SIZE);
    boolean shuffle = bool(body.get("shuffle"), "shuffle", true);
    long seed = seed(body.get("seed"));
    double validationSplit = validationSplit(body.get("validation_split"));
    Optional<EarlyStopping> earlyStopping =
        earlyStopping(body.get("early_stopping"), validationSplit);
    List<String> freeze = freeze(body.get("freeze"));
    String output = output(body.get("output"), config);
    Promote promote =
        choice(body.get("promote"), "promote", "never, always, if_better", Promote::fromConfigName)
            .orElse(Promote.NEVER);
    if (promote == Promote.IF_BETTER && validationSplit == 0) {
      throw ServingException.invalidArgument(
          "promote 'if_better' compares validation losses; set validation_split above 0");
    }
    String device = device(body.get("device"));
    // Fails now, not after the data is read, when the model cannot be trained this way.
    SampleLayout.of(config, loss, output);
    return new TrainingSpec(
        dataset,
        loss,
        optimizer,
        epochs,
        batchSize,
        shuffle,
        seed,
        validationSplit,
        earlyStopping,
        freeze,
        output,
        promote,
        device);
  }

  private static String device(JsonNode node) {
    if (node == null) {
      return TrainingSpec.DEVICE_AUTO;
    }
    if (!node.isString() || !node.stringValue().matches("auto|cpu|cuda:(0|[1-9][0-9]{0,3})")) {
      throw ServingException.invalidArgument(
          "'device' is " + node + "; expected \"auto\", \"cpu\" or \"cuda:N\"");
    }
    return node.stringValue();
  }

  private static void checkFields(JsonNode object, String path, Set<String> known) {
    FIELDS_CHECK.check(object, path, known);
  }

  private static DatasetSource dataset(JsonNode node) {
    if (node == null) {
      throw ServingException.invalidArgument(
          "field 'dataset' is required: {\"format\": \"jsonl\", \"data\": \"...\"} or"
              + " {\"format\": \"jsonl\" or \"csv\", \"path\": \"<file in the data folder>\"}");
    }
    requireObject(node, "dataset");
    checkFields(node, "dataset", DATASET_FIELDS);
    DatasetFormat format =
        choice(node.get("format"), "dataset.format", "jsonl, csv", DatasetFormat::fromConfigName)
            .orElseThrow(
                () -> ServingException.invalidArgument("field 'dataset.format' is required"));
    JsonNode data = node.get("data");
    JsonNode path = node.get("path");
    if ((data == null) == (path == null)) {
      throw ServingException.invalidArgument(
          "'dataset' needs exactly one of 'data' (the dataset as text) and 'path' (a file in the"
              + " server's data folder)");
    }
    if (data != null) {
      return new DatasetSource.Inline(format, string(data, "dataset.data"));
    }
    return new DatasetSource.DataFile(format, string(path, "dataset.path"));
  }

  private static OptimizerSpec optimizer(JsonNode node) {
    if (node == null) {
      return OptimizerSpec.defaults();
    }
    requireObject(node, "optimizer");
    checkFields(node, "optimizer", OPTIMIZER_FIELDS);
    OptimizerSpec.Type type =
        choice(
                node.get("type"),
                "optimizer.type",
                "sgd, adam, adamw",
                OptimizerSpec.Type::fromConfigName)
            .orElse(OptimizerSpec.Type.SGD);
    double rate =
        number(node.get("lr"), "optimizer.lr", OptimizerSpec.DEFAULT_LEARNING_RATE, "above 0");
    if (!(rate > 0)) {
      throw ServingException.invalidArgument("'optimizer.lr' must be above 0, got " + rate);
    }
    double momentum = number(node.get("momentum"), "optimizer.momentum", 0, "from 0 to below 1");
    if (node.has("momentum") && type != OptimizerSpec.Type.SGD) {
      throw ServingException.invalidArgument(
          "'optimizer.momentum' applies to sgd only; optimizer.type is " + type.configName());
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw ServingException.invalidArgument(
          "'optimizer.momentum' must be from 0 to below 1, got " + momentum);
    }
    double decay =
        number(
            node.get("weight_decay"),
            "optimizer.weight_decay",
            type == OptimizerSpec.Type.ADAMW ? OptimizerSpec.DEFAULT_ADAMW_WEIGHT_DECAY : 0,
            "0 or more");
    if (!(decay >= 0)) {
      throw ServingException.invalidArgument(
          "'optimizer.weight_decay' must be 0 or more, got " + decay);
    }
    return new OptimizerSpec(type, rate, momentum, decay);
  }

  private static long seed(JsonNode node) {
    if (node == null) {
      return 0;
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong()) {
      throw ServingException.invalidArgument("'seed' must be a 64-bit integer, got " + node);
    }
    return node.longValue();
  }

  private static double validationSplit(JsonNode node) {
    double split = number(node, "validation_split", 0, "from 0 to below 1");
    if (!(split >= 0 && split < 1)) {
      throw ServingException.invalidArgument(
          "'validation_split' must be from 0 to below 1, got " + split);
    }
    return split;
  }

  private static Optional<EarlyStopping> earlyStopping(JsonNode node, double validationSplit) {
    if (node == null) {
      return Optional.empty();
    }
    requireObject(node, "early_stopping");
    checkFields(node, "early_stopping", EARLY_STOPPING_FIELDS);
    if (validationSplit == 0) {
      throw ServingException.invalidArgument(
          "'early_stopping' watches the validation loss; set validation_split above 0");
    }
    int patience =
        integer(
            node.get("patience"),
            "early_stopping.patience",
            1,
            TrainingSpec.MAX_EPOCHS,
            DEFAULT_PATIENCE);
    double minDelta = number(node.get("min_delta"), "early_stopping.min_delta", 0, "0 or more");
    if (!(minDelta >= 0)) {
      throw ServingException.invalidArgument(
          "'early_stopping.min_delta' must be 0 or more, got " + minDelta);
    }
    return Optional.of(new EarlyStopping(patience, minDelta));
  }

  private static List<String> freeze(JsonNode node) {
    if (node == null) {
      return List.of();
    }
    if (!node.isArray()) {
      throw ServingException.invalidArgument(
          "'freeze' must be an array of parameter name patterns such as \"body.*\", got " + node);
    }
    List<String> patterns = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      String pattern = string(node.get(i), "freeze[" + i + "]");
      if (pattern.isBlank()) {
        throw ServingException.invalidArgument("'freeze[" + i + "]' is empty");
      }
      patterns.add(pattern);
    }
    return patterns;
  }

  private static String output(JsonNode node, ModelConfig config) {
    List<String> outputs = config.outputs().stream().map(TensorSpec::name).toList();
    if (node == null) {
      if (outputs.size() == 1) {
        return outputs.get(0);
      }
      throw ServingException.invalidArgument(
          outputs.isEmpty()
              ? "model '" + config.name() + "' declares no outputs; the trainer needs them"
              : "field 'output' is required: model '"
                  + config.name()
                  + "' has the outputs "
                  + String.join(", ", outputs));
    }
    String output = string(node, "output");
    if (!outputs.contains(output)) {
      throw ServingException.invalidArgument(
          "'output' is '"
              + output
              + "', which model '"
              + config.name()
              + "' does not have; expected one of "
              + String.join(", ", outputs));
    }
    return output;
  }

  private static void requireObject(JsonNode node, String field) {
    if (!node.isObject()) {
      throw ServingException.invalidArgument("'" + field + "' must be an object, got " + node);
    }
  }

  private static String string(JsonNode node, String field) {
    if (!node.isString()) {
      throw ServingException.invalidArgument("'" + field + "' must be a string, got " + node);
    }
    return node.stringValue();
  }

  private static boolean bool(JsonNode node, String field, boolean fallback) {
    if (node == null) {
      return fallback;
    }
    if (!node.isBoolean()) {
      throw ServingException.invalidArgument("'" + field + "' must be true or false, got " + node);
    }
    return node.booleanValue();
  }

  private static int integer(JsonNode node, String field, int min, int max, int fallback) {
    if (node == null) {
      return fallback;
    }
    String expected = "an integer from " + min + " to " + max;
    if (!node.isIntegralNumber() || !node.canConvertToInt()) {
      throw ServingException.invalidArgument(
          "'" + field + "' must be " + expected + ", got " + node);
    }
    int value = node.intValue();
    if (value < min || value > max) {
      throw ServingException.invalidArgument(
          "'" + field + "' must be " + expected + ", got " + value);
    }
    return value;
  }

  /** A finite number; {@code range} describes the valid values for the message. */
  private static double number(JsonNode node, String field, double fallback, String range) {
    if (node == null) {
      return fallback;
    }
    if (!node.isNumber() || !Double.isFinite(node.doubleValue())) {
      throw ServingException.invalidArgument(
          "'" + field + "' must be a finite number " + range + ", got " + node);
    }
    return node.doubleValue();
  }

  private static <T> Optional<T> choice(
      JsonNode node, String field, String names, Function<String, Optional<T>> lookup) {
    if (node == null) {
      return Optional.empty();
    }
    String name = string(node, field);
    return Optional.of(
        lookup
            .apply(name)
            .orElseThrow(
                () ->
                    ServingException.invalidArgument(
                        "'" + field + "' is '" + name + "'; expected one of " + names)));
  }
}
