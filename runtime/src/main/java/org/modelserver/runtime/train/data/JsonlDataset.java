package org.modelserver.runtime.train.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.json.StrictFields;
import org.modelserver.runtime.json.StrictJson;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Shape;
import org.modelserver.runtime.train.spec.LossFunction;
import org.modelserver.runtime.train.spec.SampleLayout;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Reads JSONL: one JSON object per line (blank lines skipped) with a key per model input and a key
 * {@code target}. A value is the sample's tensor without the batch dimension, as a flat array or
 * nested like its dims; a single-element value may also be a bare number. A cross_entropy target is
 * a class index.
 */
final class JsonlDataset {
  private static final ObjectMapper JSON = StrictJson.json();

  private JsonlDataset() {}

  static void read(List<String> lines, SampleBuffer out) {
    SampleLayout layout = out.layout();
    Set<String> expected = new TreeSet<>(layout.keys());
    for (int index = 0; index < lines.size(); index++) {
      String line = lines.get(index);
      if (line.isBlank()) {
        continue;
      }
      int number = index + 1;
      JsonNode sample;
      try {
        sample = JSON.readTree(line);
      } catch (JacksonException e) {
        throw problem(number, "not valid JSON: " + e.getOriginalMessage());
      }
      if (sample == null || !sample.isObject()) {
        throw problem(
            number, "expected a JSON object with the keys " + String.join(", ", expected));
      }
      StrictFields.keys(message -> problem(number, message)).check(sample, "", expected);
      for (String key : expected) {
        if (!sample.has(key)) {
          throw problem(number, "missing key '" + key + "'");
        }
      }
      List<SampleLayout.Input> inputs = layout.inputs();
      for (int i = 0; i < inputs.size(); i++) {
        SampleLayout.Input input = inputs.get(i);
        List<JsonNode> values =
            elements(sample.get(input.name()), input.dims(), number, input.name());
        if (input.dataType() == DataType.INT64) {
          long[] into = out.longs(i);
          for (int e = 0; e < into.length; e++) {
            into[e] = integer(values.get(e), number, input.name(), e, into.length);
          }
        } else {
          float[] into = out.floats(i);
          for (int e = 0; e < into.length; e++) {
            into[e] = number(values.get(e), number, input.name(), e, into.length);
          }
        }
      }
      String target = SampleLayout.TARGET;
      List<JsonNode> values = elements(sample.get(target), layout.targetDims(), number, target);
      float[] into = out.target();
      for (int e = 0; e < into.length; e++) {
        into[e] =
            layout.loss() == LossFunction.CROSS_ENTROPY
                ? classIndex(values.get(e), number, layout)
                : number(values.get(e), number, target, e, into.length);
      }
      out.commit(number);
    }
  }

  /** The values of a sample's tensor in row-major order, from a flat or a nested array. */
  private static List<JsonNode> elements(JsonNode value, long[] dims, int line, String key) {
    int width = (int) Shape.elementCount(dims);
    String expectation =
        width == 1
            ? "a number"
            : width + " numbers (dims " + Shape.format(dims) + "), flat or nested like the dims";
    if (!value.isArray()) {
      if (width == 1 && !value.isContainer()) {
        return List.of(value);
      }
      throw problem(line, "'" + key + "' must be " + expectation + "; got " + describe(value));
    }
    if (value.size() == width && value.valueStream().noneMatch(JsonNode::isContainer)) {
      return value.valueStream().toList();
    }
    List<JsonNode> leaves = new ArrayList<>();
    if (dims.length > 1 && nested(value, dims, 0, leaves)) {
      return leaves;
    }
    throw problem(line, "'" + key + "' must be " + expectation + "; got " + describe(value));
  }

  private static boolean nested(JsonNode node, long[] dims, int depth, List<JsonNode> leaves) {
    if (depth == dims.length) {
      if (node.isContainer()) {
        return false;
      }
      leaves.add(node);
      return true;
    }
    if (!node.isArray() || node.size() != dims[depth]) {
      return false;
    }
    for (JsonNode child : node) {
      if (!nested(child, dims, depth + 1, leaves)) {
        return false;
      }
    }
    return true;
  }

  private static String describe(JsonNode value) {
    if (value.isArray()) {
      return "an array of " + value.size() + (value.size() == 1 ? " element" : " elements");
    }
    if (value.isObject()) {
      return "an object";
    }
    return value.isNull() ? "null" : value.toString();
  }

  private static float number(JsonNode value, int line, String key, int element, int width) {
    String where = width == 1 ? "'" + key + "'" : "'" + key + "' element " + element;
    if (!value.isNumber()) {
      throw problem(line, where + " is not a number: " + value);
    }
    double number = value.doubleValue();
    float single = (float) number;
    if (!Double.isFinite(number) || !Float.isFinite(single)) {
      throw problem(line, where + " is " + value + ", which is not a finite FP32 number");
    }
    return single;
  }

  private static long integer(JsonNode value, int line, String key, int element, int width) {
    String where = width == 1 ? "'" + key + "'" : "'" + key + "' element " + element;
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw problem(line, where + " is " + value + "; input '" + key + "' is INT64");
    }
    return value.longValue();
  }

  private static float classIndex(JsonNode value, int line, SampleLayout layout) {
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw problem(line, "'target' is " + value + "; loss cross_entropy needs a class index");
    }
    String problem = layout.classProblem(value.longValue());
    if (problem != null) {
      throw problem(line, problem);
    }
    return value.longValue();
  }

  static ServingException problem(int line, String message) {
    return ServingException.invalidArgument("dataset line " + line + ": " + message);
  }
}
