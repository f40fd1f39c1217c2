package org.modelserver.runtime.config;

import static org.modelserver.runtime.config.ConfigNodes.bool;
import static org.modelserver.runtime.config.ConfigNodes.checkKeys;
import static org.modelserver.runtime.config.ConfigNodes.integer;
import static org.modelserver.runtime.config.ConfigNodes.text;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.modelserver.runtime.tensor.DataType;
import tools.jackson.databind.JsonNode;

/**
 * One sample of Triton's {@code model_warmup}: requests a version runs through its own scheduler
 * and engine before it becomes READY (and again on every reload); a failure makes the version
 * UNAVAILABLE with the reason.
 *
 * @param name the sample's name, used in messages
 * @param batchSize rows of the sample for a batching model (1 or more, at most {@code
 *     max_batch_size}); 0 or 1 for a model that does not batch
 * @param inputs each input's data, by input name
 * @param count how many times the sample runs (Triton's 0 means once)
 */
public record ModelWarmup(String name, int batchSize, Map<String, Input> inputs, int count) {
  private static final Set<String> SAMPLE_KEYS = Set.of("name", "batch_size", "inputs", "count");
  private static final Set<String> INPUT_KEYS =
      Set.of("data_type", "dims", "zero_data", "random_data", "input_data_file");

  public ModelWarmup {
    inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
  }

  /** How many times the sample runs: {@code count}, and at least once. */
  public int runs() {
    return Math.max(1, count);
  }

  /** Where a warm-up input's values come from. */
  public enum Source {
    ZERO,
    RANDOM,
    /** Raw bytes of the file {@code <model folder>/warmup/<input_data_file>}. */
    FILE
  }

  /**
   * One input of a sample.
   *
   * @param dims its shape without the batch dimension; every size known
   * @param dataFile the file name for {@link Source#FILE}, else empty
   */
  public record Input(DataType dataType, long[] dims, Source source, String dataFile) {
    public Input {
      dims = dims.clone();
    }

    @Override
    public long[] dims() {
      return dims.clone();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Input that
          && dataType == that.dataType
          && java.util.Arrays.equals(dims, that.dims)
          && source == that.source
          && dataFile.equals(that.dataFile);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(dataType, java.util.Arrays.hashCode(dims), source, dataFile);
    }

    @Override
    public String toString() {
      return dataType + java.util.Arrays.toString(dims) + " " + source;
    }
  }

  /** Parses {@code model_warmup}: a list of samples. */
  static List<ModelWarmup> parse(JsonNode node) {
    if (!node.isArray()) {
      throw new ModelConfigException(
          "model_warmup must be a list of {name, batch_size, inputs, count}");
    }
    List<ModelWarmup> samples = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode sample = node.get(i);
      String where = "model_warmup[" + i + "]";
      if (!sample.isObject()) {
        throw new ModelConfigException(where + " must be a mapping with name and inputs");
      }
      checkKeys(sample, SAMPLE_KEYS, where);
      if (!sample.has("name") || !sample.has("inputs")) {
        throw new ModelConfigException(where + " needs a name and inputs");
      }
      String name = text(sample.get("name"), where + ".name");
      int batchSize =
          sample.has("batch_size") ? integer(sample.get("batch_size"), where + ".batch_size") : 0;
      int count = sample.has("count") ? integer(sample.get("count"), where + ".count") : 0;
      if (batchSize < 0 || count < 0) {
        throw new ModelConfigException(where + ": batch_size and count must be 0 or more");
      }
      JsonNode inputs = sample.get("inputs");
      if (!inputs.isObject() || inputs.isEmpty()) {
        throw new ModelConfigException(
            where
                + ".inputs must map each input name to {data_type, dims, and one of zero_data,"
                + " random_data or input_data_file}");
      }
      Map<String, Input> parsed = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> input : inputs.properties()) {
        parsed.put(input.getKey(), input(input.getValue(), where + ".inputs." + input.getKey()));
      }
      samples.add(new ModelWarmup(name, batchSize, parsed, count));
    }
    return samples;
  }

  private static Input input(JsonNode node, String where) {
    if (!node.isObject()) {
      throw new ModelConfigException(where + " must be a mapping with data_type and dims");
    }
    checkKeys(node, INPUT_KEYS, where);
    if (!node.has("data_type") || !node.has("dims")) {
      throw new ModelConfigException(where + " needs data_type and dims");
    }
    DataType type = ConfigNodes.dataType(node.get("data_type"), where + ".data_type");
    JsonNode dimsNode = node.get("dims");
    if (!dimsNode.isArray()) {
      throw new ModelConfigException(where + ".dims must be a list of positive integers");
    }
    long[] dims = new long[dimsNode.size()];
    for (int i = 0; i < dims.length; i++) {
      JsonNode dim = dimsNode.get(i);
      if (!dim.isIntegralNumber() || !dim.canConvertToLong() || dim.longValue() < 1) {
        throw new ModelConfigException(
            where
                + ".dims["
                + i
                + "] must be a positive size (warm-up shapes are exact), got "
                + dim);
      }
      dims[i] = dim.longValue();
    }
    List<Source> sources = new ArrayList<>();
    String file = "";
    if (node.has("zero_data") && bool(node.get("zero_data"), where + ".zero_data")) {
      sources.add(Source.ZERO);
    }
    if (node.has("random_data") && bool(node.get("random_data"), where + ".random_data")) {
      sources.add(Source.RANDOM);
    }
    if (node.has("input_data_file")) {
      file = text(node.get("input_data_file"), where + ".input_data_file");
      if (file.isEmpty() || file.contains("/") || file.contains("\\") || file.startsWith(".")) {
        throw new ModelConfigException(
            where
                + ".input_data_file must be a plain file name in the model's warmup folder, got '"
                + file
                + "'");
      }
      sources.add(Source.FILE);
    }
    if (sources.size() != 1) {
      throw new ModelConfigException(
          where
              + " needs exactly one of zero_data: true, random_data: true or input_data_file,"
              + " got "
              + sources.size());
    }
    return new Input(type, dims, sources.get(0), file);
  }
}
