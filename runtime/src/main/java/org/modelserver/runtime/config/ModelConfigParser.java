package org.modelserver.runtime.config;

import static org.modelserver.runtime.config.ConfigNodes.checkKeys;
import static org.modelserver.runtime.config.ConfigNodes.integer;
import static org.modelserver.runtime.config.ConfigNodes.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.modelserver.runtime.json.StrictJson;
import org.modelserver.runtime.tensor.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Reads {@code config.yaml}, {@code config.json} or, with a {@link PbtxtReader}, Triton's {@code
 * config.pbtxt}, with Triton's model-configuration field names. Unknown keys are errors that name
 * the key, never silently ignored.
 */
public final class ModelConfigParser {
  private static final Logger log = LoggerFactory.getLogger(ModelConfigParser.class);

  public static final String YAML_FILE = "config.yaml";
  public static final String JSON_FILE = "config.json";
  public static final String PBTXT_FILE = "config.pbtxt";

  /** Every config file name, in precedence order: YAML or JSON wins over config.pbtxt. */
  public static final List<String> CONFIG_FILES = List.of(YAML_FILE, JSON_FILE, PBTXT_FILE);

  /** What a config's text is written in. */
  public enum Format {
    YAML,
    JSON,
    PBTXT;

    /** The format of a config file by its name. */
    public static Format of(Path file) {
      String name = file.getFileName().toString();
      return name.equals(JSON_FILE) ? JSON : name.equals(PBTXT_FILE) ? PBTXT : YAML;
    }
  }

  private static final Set<String> TOP_LEVEL_KEYS =
      Set.of(
          "name",
          "platform",
          "backend",
          "default_model_filename",
          "max_batch_size",
          "input",
          "output",
          "version_policy",
          "dynamic_batching",
          "instance_group",
          "optimization",
          "parameters",
          "protection",
          "model_warmup",
          "ensemble_scheduling");

  /** Triton keys this server does not implement yet; named separately for a clearer message. */
  private static final Set<String> NOT_YET_SUPPORTED =
      Set.of(
          "sequence_batching",
          "response_cache",
          "model_transaction_policy",
          "batch_input",
          "batch_output",
          "cc_model_filenames",
          "metric_tags",
          "model_operations",
          "model_repository_agents",
          "model_metrics",
          "runtime");

  private static final Set<String> TENSOR_KEYS = Set.of("name", "data_type", "dims");
  private static final Set<String> OUTPUT_KEYS =
      Set.of("name", "data_type", "dims", "label_filename");

  private final ObjectMapper yaml = StrictJson.yaml();
  private final ObjectMapper json = StrictJson.json();
  private final Optional<PbtxtReader> pbtxt;

  /** A parser that refuses {@code config.pbtxt}. */
  public ModelConfigParser() {
    this.pbtxt = Optional.empty();
  }

  /** A parser that reads {@code config.pbtxt} with {@code pbtxt}. */
  public ModelConfigParser(PbtxtReader pbtxt) {
    this.pbtxt = Optional.of(pbtxt);
  }

  /**
   * The config file in a model folder, if there is one: {@code config.yaml} or {@code config.json}
   * (never both), else {@code config.pbtxt}.
   */
  public static Optional<Path> configFile(Path modelDir) {
    Path yamlFile = modelDir.resolve(YAML_FILE);
    Path jsonFile = modelDir.resolve(JSON_FILE);
    Path pbtxtFile = modelDir.resolve(PBTXT_FILE);
    boolean hasYaml = Files.isRegularFile(yamlFile);
    boolean hasJson = Files.isRegularFile(jsonFile);
    if (hasYaml && hasJson) {
      throw new ModelConfigException(
          "both " + YAML_FILE + " and " + JSON_FILE + " are present; keep exactly one");
    }
    if (hasYaml || hasJson) {
      return Optional.of(hasYaml ? yamlFile : jsonFile);
    }
    return Files.isRegularFile(pbtxtFile) ? Optional.of(pbtxtFile) : Optional.empty();
  }

  /** Reads the model folder's config, or a default one when the folder has no config file. */
  public ModelConfig read(String modelName, Path modelDir) {
    Optional<Path> file = configFile(modelDir);
    if (file.isEmpty()) {
      return ModelConfig.builder(modelName).build();
    }
    Format format = Format.of(file.get());
    if (format != Format.PBTXT && Files.isRegularFile(modelDir.resolve(PBTXT_FILE))) {
      log.warn(
          "Model {}: {} is ignored, {} takes precedence",
          modelName,
          PBTXT_FILE,
          file.get().getFileName());
    }
    String text;
    try {
      text = Files.readString(file.get());
    } catch (IOException e) {
      throw new ModelConfigException("cannot read " + file.get().getFileName() + ": " + e, e);
    }
    return parse(modelName, text, format, file.get().getFileName().toString());
  }

  /** Parses YAML or JSON config text; {@code source} names it in messages. */
  public ModelConfig parse(String modelName, String text, boolean isJson, String source) {
    return parse(modelName, text, isJson ? Format.JSON : Format.YAML, source);
  }

  /** Parses config text written in {@code format}; {@code source} names it in messages. */
  public ModelConfig parse(String modelName, String text, Format format, String source) {
    JsonNode root = tree(text, format, source);
    if (root == null || root.isMissingNode() || root.isNull()) {
      return ModelConfig.builder(modelName).build();
    }
    try {
      return fromTree(modelName, root);
    } catch (ConfigKeyException e) {
      // Protobuf text only holds Triton's own field names: an unread one is a feature not here.
      throw new ModelConfigException(
          format == Format.PBTXT
              ? source + ": field '" + e.key() + "' is not supported by this server"
              : source + ": " + e.getMessage(),
          e);
    } catch (ModelConfigException e) {
      throw new ModelConfigException(source + ": " + e.getMessage(), e);
    }
  }

  private JsonNode tree(String text, Format format, String source) {
    if (format == Format.PBTXT) {
      PbtxtReader reader =
          pbtxt.orElseThrow(
              () ->
                  new ModelConfigException(
                      source
                          + " (protobuf text) cannot be read here: no reader for it was"
                          + " registered; write the same fields as "
                          + YAML_FILE
                          + " or "
                          + JSON_FILE));
      try {
        return reader.read(text);
      } catch (ModelConfigException e) {
        throw new ModelConfigException(
            source + " is not valid protobuf text: " + e.getMessage(), e);
      }
    }
    boolean isJson = format == Format.JSON;
    try {
      return (isJson ? json : yaml).readTree(text);
    } catch (JacksonException e) {
      throw new ModelConfigException(
          source + " is not valid " + (isJson ? "JSON" : "YAML") + ": " + e.getOriginalMessage(),
          e);
    }
  }

  private ModelConfig fromTree(String modelName, JsonNode root) {
    if (!root.isObject()) {
      throw new ModelConfigException("the top level must be a mapping of config keys");
    }
    for (String key : root.propertyNames()) {
      if (!TOP_LEVEL_KEYS.contains(key) && NOT_YET_SUPPORTED.contains(key)) {
        throw ConfigNodes.notYetSupported(key);
      }
    }
    checkKeys(root, TOP_LEVEL_KEYS, "");
    ModelConfig.Builder builder = ModelConfig.builder(modelName);
    JsonNode name = root.get("name");
    if (name != null && !modelName.equals(text(name, "name"))) {
      throw new ModelConfigException(
          "name '" + name.asString() + "' does not match the model folder '" + modelName + "'");
    }
    builder.platform(platform(root));
    if (root.has("platform") && Platforms.ENSEMBLE.equals(root.get("platform").asString(""))) {
      EnsembleConfigParser.refuseInstanceKeys(root);
    }
    if (root.has("ensemble_scheduling")) {
      builder.ensembleSteps(EnsembleConfigParser.steps(root.get("ensemble_scheduling")));
    }
    if (root.has("default_model_filename")) {
      String file = text(root.get("default_model_filename"), "default_model_filename");
      if (file.isEmpty() || file.contains("/") || file.contains("\\") || file.startsWith(".")) {
        throw new ModelConfigException(
            "default_model_filename must be a plain file name inside the version folder, got '"
                + file
                + "'");
      }
      builder.defaultModelFilename(file);
    }
    if (root.has("max_batch_size")) {
      builder.maxBatchSize(integer(root.get("max_batch_size"), "max_batch_size"));
    }
    builder.inputs(tensors(root.get("input"), "input"));
    builder.outputs(tensors(root.get("output"), "output"));
    builder.labelFiles(labelFiles(root.get("output")));
    if (root.has("version_policy")) {
      builder.versionPolicy(versionPolicy(root.get("version_policy")));
    }
    if (root.has("dynamic_batching")) {
      builder.dynamicBatching(SchedulingConfigParser.dynamicBatching(root.get("dynamic_batching")));
    }
    if (root.has("optimization")) {
      builder.gpuAccelerators(SchedulingConfigParser.gpuAccelerators(root.get("optimization")));
    }
    if (root.has("instance_group")) {
      builder.instanceGroups(SchedulingConfigParser.instanceGroups(root.get("instance_group")));
    }
    if (root.has("protection")) {
      builder.protection(Protection.parse(root.get("protection")));
    }
    if (root.has("parameters")) {
      builder.parameters(parameters(root.get("parameters")));
    }
    if (root.has("model_warmup")) {
      builder.warmup(ModelWarmup.parse(root.get("model_warmup")));
    }
    return builder.build();
  }

  private static String platform(JsonNode root) {
    String platform = root.has("platform") ? text(root.get("platform"), "platform") : null;
    if (platform != null && !Platforms.isKnown(platform) && !Platforms.ENSEMBLE.equals(platform)) {
      throw new ModelConfigException(
          "platform '"
              + platform
              + "' is not supported; expected "
              + Platforms.describe()
              + ", or ensemble");
    }
    if (root.has("backend")) {
      String backend = text(root.get("backend"), "backend");
      String fromBackend =
          Platforms.fromBackend(backend)
              .orElseThrow(
                  () ->
                      new ModelConfigException(
                          "backend '"
                              + backend
                              + "' is not supported; expected onnxruntime or pytorch"));
      if (platform != null && !platform.equals(fromBackend)) {
        throw new ModelConfigException(
            "backend '" + backend + "' contradicts platform '" + platform + "'");
      }
      platform = fromBackend;
    }
    return platform;
  }

  private static List<TensorSpec> tensors(JsonNode node, String key) {
    List<TensorSpec> specs = new ArrayList<>();
    if (node == null || node.isNull()) {
      return specs;
    }
    if (!node.isArray()) {
      throw new ModelConfigException(key + " must be a list of {name, data_type, dims}");
    }
    for (int i = 0; i < node.size(); i++) {
      JsonNode entry = node.get(i);
      String where = key + "[" + i + "]";
      if (!entry.isObject()) {
        throw new ModelConfigException(where + " must be a mapping with name, data_type and dims");
      }
      checkKeys(entry, key.equals("output") ? OUTPUT_KEYS : TENSOR_KEYS, where);
      for (String required : List.of("name", "data_type", "dims")) {
        if (!entry.has(required)) {
          throw new ModelConfigException(where + " is missing '" + required + "'");
        }
      }
      String name = text(entry.get("name"), where + ".name");
      DataType type = ConfigNodes.dataType(entry.get("data_type"), where + ".data_type");
      specs.add(new TensorSpec(name, type, dims(entry.get("dims"), where + ".dims")));
    }
    return specs;
  }

  private static long[] dims(JsonNode node, String where) {
    if (!node.isArray()) {
      throw new ModelConfigException(where + " must be a list of integers (-1 for variable)");
    }
    long[] dims = new long[node.size()];
    for (int i = 0; i < dims.length; i++) {
      JsonNode dim = node.get(i);
      if (!dim.isIntegralNumber() || !dim.canConvertToLong()) {
        throw new ModelConfigException(
            where + "[" + i + "] must be an integer (-1 for variable), got " + dim);
      }
      long value = dim.longValue();
      if (value == 0 || value < -1) {
        throw new ModelConfigException(
            where + "[" + i + "] must be a positive size or -1 for variable, got " + value);
      }
      dims[i] = value;
    }
    return dims;
  }

  private static VersionPolicy versionPolicy(JsonNode node) {
    if (!node.isObject() || node.size() != 1) {
      throw new ModelConfigException(
          "version_policy must have exactly one of latest: {num_versions: N}, all: {},"
              + " specific: {versions: [..]}");
    }
    Map.Entry<String, JsonNode> entry = node.properties().iterator().next();
    JsonNode body = entry.getValue();
    String where = "version_policy." + entry.getKey();
    if (!body.isObject() && !body.isNull()) {
      throw new ModelConfigException(where + " must be a mapping");
    }
    try {
      switch (entry.getKey()) {
        case "latest" -> {
          checkKeys(body, Set.of("num_versions"), where);
          int count =
              body.has("num_versions")
                  ? integer(body.get("num_versions"), where + ".num_versions")
                  : 1;
          return new VersionPolicy.Latest(count);
        }
        case "all" -> {
          checkKeys(body, Set.of(), where);
          return new VersionPolicy.All();
        }
        case "specific" -> {
          checkKeys(body, Set.of("versions"), where);
          JsonNode list = body.get("versions");
          if (list == null || !list.isArray()) {
            throw new ModelConfigException(where + ".versions must be a list of version numbers");
          }
          Set<Long> versions = new HashSet<>();
          for (JsonNode version : list) {
            if (!version.isIntegralNumber()
                || !version.canConvertToLong()
                || version.longValue() < 1) {
              throw new ModelConfigException(
                  where + ".versions must hold positive integers, got " + version);
            }
            versions.add(version.longValue());
          }
          return new VersionPolicy.Specific(versions);
        }
        default ->
            throw new ModelConfigException(
                "version_policy '"
                    + entry.getKey()
                    + "' is unknown; expected latest, all or specific");
      }
    } catch (IllegalArgumentException e) {
      throw new ModelConfigException(e.getMessage(), e);
    }
  }

  /** Triton's {@code label_filename} per output: a plain file name in the model folder. */
  private static Map<String, String> labelFiles(JsonNode outputs) {
    Map<String, String> files = new LinkedHashMap<>();
    if (outputs == null || !outputs.isArray()) {
      return files;
    }
    for (int i = 0; i < outputs.size(); i++) {
      JsonNode file = outputs.get(i).get("label_filename");
      if (file == null) {
        continue;
      }
      String where = "output[" + i + "].label_filename";
      String name = text(file, where);
      if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
        throw new ModelConfigException(
            where + " must be a plain file name in the model folder, got '" + name + "'");
      }
      files.put(text(outputs.get(i).get("name"), "output[" + i + "].name"), name);
    }
    return files;
  }

  /** Triton's {@code parameters: {key: {string_value: "..."}}}; a plain string is accepted too. */
  private static Map<String, String> parameters(JsonNode node) {
    if (!node.isObject()) {
      throw new ModelConfigException("parameters must map names to {string_value: ...}");
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      JsonNode value = entry.getValue();
      String where = "parameters." + entry.getKey();
      if (value.isObject()) {
        checkKeys(value, Set.of("string_value"), where);
        if (!value.has("string_value")) {
          throw new ModelConfigException(where + " needs string_value");
        }
        parameters.put(entry.getKey(), text(value.get("string_value"), where + ".string_value"));
      } else if (value.isString() || value.isNumber() || value.isBoolean()) {
        parameters.put(entry.getKey(), value.asString());
      } else {
        throw new ModelConfigException(where + " must be {string_value: \"...\"}");
      }
    }
    return parameters;
  }
}
