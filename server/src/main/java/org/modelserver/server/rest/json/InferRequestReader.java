package org.modelserver.server.rest.json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.inference.InferenceRequest;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** Parses a KServe v2 JSON inference request body, rejecting anything it does not understand. */
public final class InferRequestReader {
  private static final Set<String> REQUEST_FIELDS = Set.of("id", "parameters", "inputs", "outputs");
  private static final Set<String> INPUT_FIELDS =
      Set.of("name", "shape", "datatype", "parameters", "data");
  private static final Set<String> OUTPUT_FIELDS = Set.of("name", "parameters");
  private static final int MAX_RANK = 32;

  private final ObjectMapper mapper =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  public InferenceRequest read(String model, Optional<Long> version, byte[] body) {
    JsonNode root = parse(body);
    if (!root.isObject()) {
      throw ServingException.invalidArgument("the inference request must be a JSON object");
    }
    checkFields(root, REQUEST_FIELDS, "inference request");
    String id = null;
    if (root.has("id")) {
      JsonNode idNode = root.get("id");
      if (!idNode.isString()) {
        throw ServingException.invalidArgument("'id' must be a string, got " + idNode);
      }
      id = idNode.stringValue();
    }
    Map<String, Object> parameters = parameters(root.get("parameters"), "request");
    checkRequestParameters(parameters);
    JsonNode inputs = root.get("inputs");
    if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
      throw ServingException.invalidArgument(
          "'inputs' is required: a non-empty array of {name, shape, datatype, data}");
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      JsonNode input = inputs.get(i);
      Tensor tensor = input(input, i);
      String name = input.get("name").stringValue();
      if (tensors.putIfAbsent(name, tensor) != null) {
        throw ServingException.invalidArgument("input '" + name + "' appears twice in 'inputs'");
      }
    }
    return new InferenceRequest(
        model, version, id, tensors, outputs(root.get("outputs")), parameters);
  }

  private JsonNode parse(byte[] body) {
    if (body.length == 0) {
      throw ServingException.invalidArgument(
          "the request body is empty; expected a JSON inference request");
    }
    try {
      JsonNode root = mapper.readTree(body);
      if (root == null || root.isMissingNode()) {
        throw ServingException.invalidArgument("the request body holds no JSON value");
      }
      return root;
    } catch (JacksonException e) {
      throw ServingException.invalidArgument(
          "malformed JSON: " + e.getOriginalMessage() + location(e));
    }
  }

  private static String location(JacksonException e) {
    if (e.getLocation() == null || e.getLocation().getLineNr() < 0) {
      return "";
    }
    return " (line "
        + e.getLocation().getLineNr()
        + ", column "
        + e.getLocation().getColumnNr()
        + ")";
  }

  private static Tensor input(JsonNode input, int index) {
    String where = "inputs[" + index + "]";
    if (!input.isObject()) {
      throw ServingException.invalidArgument(where + " must be an object");
    }
    checkFields(input, INPUT_FIELDS, where);
    for (String required : List.of("name", "shape", "datatype", "data")) {
      if (!input.has(required)) {
        throw ServingException.invalidArgument(where + " is missing '" + required + "'");
      }
    }
    if (!input.get("name").isString()) {
      throw ServingException.invalidArgument(where + ".name must be a string");
    }
    String name = input.get("name").stringValue();
    where = "input '" + name + "'";
    JsonNode datatypeNode = input.get("datatype");
    DataType type =
        DataType.fromProtocolName(datatypeNode.isString() ? datatypeNode.stringValue() : null)
            .filter(t -> datatypeNode.stringValue().equals(t.protocolName()))
            .orElseThrow(
                () ->
                    ServingException.invalidArgument(
                        "input '"
                            + name
                            + "' has unknown datatype "
                            + datatypeNode
                            + "; expected one of "
                            + DataType.protocolNames()));
    long[] shape = shape(input.get("shape"), where);
    Map<String, Object> parameters = parameters(input.get("parameters"), where);
    if (parameters.containsKey("binary_data_size")) {
      throw ServingException.invalidArgument(
          where + " uses binary_data_size, but this server does not accept binary tensor data yet");
    }
    return TensorJsonDecoder.decode(name, type, shape, input.get("data"));
  }

  private static long[] shape(JsonNode node, String where) {
    if (!node.isArray()) {
      throw ServingException.invalidArgument(where + " 'shape' must be an array of integers");
    }
    if (node.size() > MAX_RANK) {
      throw ServingException.invalidArgument(
          where + " has " + node.size() + " dimensions; at most " + MAX_RANK + " are supported");
    }
    long[] shape = new long[node.size()];
    for (int i = 0; i < shape.length; i++) {
      JsonNode dim = node.get(i);
      if (!dim.isIntegralNumber() || !dim.canConvertToLong() || dim.longValue() < 0) {
        throw ServingException.invalidArgument(
            where + " 'shape' must hold non-negative integers, got " + dim + " at index " + i);
      }
      shape[i] = dim.longValue();
    }
    return shape;
  }

  private static List<String> outputs(JsonNode node) {
    List<String> names = new ArrayList<>();
    if (node == null) {
      return names;
    }
    if (!node.isArray()) {
      throw ServingException.invalidArgument("'outputs' must be an array of {name, parameters}");
    }
    for (int i = 0; i < node.size(); i++) {
      JsonNode output = node.get(i);
      String where = "outputs[" + i + "]";
      if (!output.isObject()) {
        throw ServingException.invalidArgument(where + " must be an object");
      }
      checkFields(output, OUTPUT_FIELDS, where);
      if (!output.has("name") || !output.get("name").isString()) {
        throw ServingException.invalidArgument(where + " needs a string 'name'");
      }
      Map<String, Object> parameters = parameters(output.get("parameters"), where);
      rejectUnsupported(parameters, "binary_data", where);
      if (parameters.containsKey("classification")) {
        throw ServingException.invalidArgument(
            where + " asks for classification, which this server does not support yet");
      }
      names.add(output.get("name").stringValue());
    }
    return names;
  }

  private static void checkRequestParameters(Map<String, Object> parameters) {
    rejectUnsupported(parameters, "binary_data_output", "request");
  }

  /** A boolean parameter that may be false but not true until the binary extension exists. */
  private static void rejectUnsupported(Map<String, Object> parameters, String key, String where) {
    Object value = parameters.get(key);
    if (value == null || Boolean.FALSE.equals(value)) {
      return;
    }
    throw ServingException.invalidArgument(
        where
            + " parameter '"
            + key
            + "' = "
            + value
            + " is not supported yet (binary tensor data)");
  }

  private static Map<String, Object> parameters(JsonNode node, String where) {
    Map<String, Object> parameters = new LinkedHashMap<>();
    if (node == null) {
      return parameters;
    }
    if (!node.isObject()) {
      throw ServingException.invalidArgument(where + " 'parameters' must be a JSON object");
    }
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      JsonNode value = entry.getValue();
      Object converted;
      if (value.isString()) {
        converted = value.stringValue();
      } else if (value.isBoolean()) {
        converted = value.booleanValue();
      } else if (value.isIntegralNumber() && value.canConvertToLong()) {
        converted = value.longValue();
      } else if (value.isNumber()) {
        converted = value.doubleValue();
      } else {
        throw ServingException.invalidArgument(
            where
                + " parameter '"
                + entry.getKey()
                + "' must be a string, number or boolean, got "
                + value);
      }
      parameters.put(entry.getKey(), converted);
    }
    return parameters;
  }

  private static void checkFields(JsonNode node, Set<String> allowed, String where) {
    for (String field : node.propertyNames()) {
      if (!allowed.contains(field)) {
        throw ServingException.invalidArgument(
            "unknown field '"
                + field
                + "' in "
                + where
                + "; expected "
                + String.join(", ", allowed.stream().sorted().toList()));
      }
    }
  }
}
