package org.modelserver.server.rest.json;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.inference.InferenceRequest;
import org.modelserver.runtime.inference.InputPlan;
import org.modelserver.runtime.json.StrictFields;
import org.modelserver.runtime.json.StrictJson;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Shape;
import org.modelserver.runtime.tensor.Tensor;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** Parses a KServe v2 JSON inference request body, rejecting anything it does not understand. */
public final class InferRequestReader {
  private static final StrictFields FIELDS = StrictFields.fields(ServingException::invalidArgument);

  private static final Set<String> REQUEST_FIELDS = Set.of("id", "parameters", "inputs", "outputs");
  private static final Set<String> INPUT_FIELDS =
      Set.of("name", "shape", "datatype", "parameters", "data");
  private static final Set<String> OUTPUT_FIELDS = Set.of("name", "parameters");
  private static final int MAX_RANK = 32;

  private final ObjectMapper mapper =
      StrictJson.jsonBuilder()
          .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          // Sub-trees are read from the middle of the request; the end is checked separately.
          .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private final boolean numericSpans;

  public InferRequestReader() {
    this(true);
  }

  /**
   * @param numericSpans whether large numeric data arrays are decoded from the bytes ({@link
   *     NumericSpans}); false only to compare with Jackson's token path in tests
   */
  InferRequestReader(boolean numericSpans) {
    this.numericSpans = numericSpans;
  }

  /** Reads a JSON-only request body. */
  public InferenceRequest read(String model, Optional<Long> version, byte[] body) {
    return read(model, version, body, -1, InputPlan.NONE).request();
  }

  /**
   * Reads a request body: all JSON, or (binary tensor data extension) a JSON header of {@code
   * headerLength} bytes followed by the binary data of the inputs that declare {@code
   * binary_data_size}, in the order they appear.
   *
   * @param headerLength the {@code Inference-Header-Content-Length}, or -1 when absent
   * @param plan told of each input before its tensor is allocated
   */
  public RestInferRequest read(
      String model, Optional<Long> version, byte[] body, int headerLength, InputPlan plan) {
    int jsonLength = headerLength < 0 ? body.length : headerLength;
    if (jsonLength > body.length) {
      throw ServingException.invalidArgument(
          "Inference-Header-Content-Length "
              + headerLength
              + " is larger than the request body of "
              + body.length
              + " bytes");
    }
    if (jsonLength == 0) {
      throw ServingException.invalidArgument(
          "the request body is empty; expected a JSON inference request");
    }
    ByteBuffer binary =
        headerLength < 0
            ? null
            : ByteBuffer.wrap(body, jsonLength, body.length - jsonLength).slice();
    // Large numeric data arrays are decoded from the bytes; Jackson parses the rest (NumericSpans).
    NumericSpans spans = numericSpans ? NumericSpans.find(body, jsonLength) : NumericSpans.none();
    try (JsonParser parser = mapper.createParser(spans.text(body), 0, jsonLength)) {
      RestInferRequest request =
          readRequest(parser, model, version, new Decoding(jsonLength, plan, spans), binary);
      if (binary != null && binary.hasRemaining()) {
        throw ServingException.invalidArgument(
            "the request holds "
                + binary.remaining()
                + " bytes of binary data beyond what the inputs' binary_data_size declare");
      }
      return request;
    } catch (JacksonException e) {
      throw ServingException.invalidArgument(
          "malformed JSON: " + e.getOriginalMessage() + location(e));
    }
  }

  private RestInferRequest readRequest(
      JsonParser parser,
      String model,
      Optional<Long> version,
      Decoding decoding,
      ByteBuffer binary) {
    if (parser.nextToken() != JsonToken.START_OBJECT) {
      throw ServingException.invalidArgument("the inference request must be a JSON object");
    }
    String id = null;
    Map<String, Object> parameters = new LinkedHashMap<>();
    Outputs outputs = new Outputs();
    Map<String, Tensor> tensors = null;
    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      switch (field) {
        case "id" -> {
          if (value != JsonToken.VALUE_STRING) {
            throw ServingException.invalidArgument(
                "'id' must be a string, got " + mapper.readTree(parser));
          }
          id = parser.getString();
        }
        case "parameters" -> parameters = parameters(mapper.readTree(parser), "request");
        case "outputs" -> outputs = outputs(mapper.readTree(parser));
        case "inputs" -> tensors = inputs(parser, decoding, binary);
        default -> throw FIELDS.unknown(field, "inference request", REQUEST_FIELDS);
      }
    }
    if (parser.nextToken() != null) {
      throw ServingException.invalidArgument(
          "malformed JSON: unexpected content after the request object");
    }
    boolean binaryByDefault = flag(parameters, "binary_data_output", "request");
    if (tensors == null || tensors.isEmpty()) {
      throw ServingException.invalidArgument(
          "'inputs' is required: a non-empty array of {name, shape, datatype, data}");
    }
    InferenceRequest request =
        new InferenceRequest(
            model, version, id, tensors, outputs.names, parameters, outputs.classifications);
    return new RestInferRequest(request, outputs.binary, outputs.json, binaryByDefault);
  }

  /**
   * What every input's decoding is bounded by and told of.
   *
   * @param maxElements an upper bound on the elements a JSON {@code data} can hold (its length)
   * @param plan checks and reserves each input before its tensor is allocated
   */
  private record Decoding(long maxElements, InputPlan plan, NumericSpans spans) {
    /** Plans a JSON-decoded input: the buffer its elements will take, 0 if none can fit. */
    void planJson(String name, DataType type, long[] shape) {
      long count = Shape.elementCount(shape);
      long bytes =
          count < 0 || count > maxElements
              ? 0
              : count * (type == DataType.BYTES ? BYTES_ELEMENT_OVERHEAD : type.byteSize());
      plan.admit(name, type, shape, bytes);
    }
  }

  /** What one BYTES element costs beyond its content: the array slot and the array header. */
  private static final long BYTES_ELEMENT_OVERHEAD = 24;

  private Map<String, Tensor> inputs(JsonParser parser, Decoding decoding, ByteBuffer binary) {
    if (parser.currentToken() != JsonToken.START_ARRAY) {
      throw ServingException.invalidArgument(
          "'inputs' is required: a non-empty array of {name, shape, datatype, data}");
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    int index = 0;
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      String where = "inputs[" + index++ + "]";
      if (parser.currentToken() != JsonToken.START_OBJECT) {
        throw ServingException.invalidArgument(where + " must be an object");
      }
      NamedTensor input = input(parser, where, decoding, binary);
      if (tensors.putIfAbsent(input.name(), input.tensor()) != null) {
        throw ServingException.invalidArgument(
            "input '" + input.name() + "' appears twice in 'inputs'");
      }
    }
    return tensors;
  }

  private record NamedTensor(String name, Tensor tensor) {}

  /** One input object; {@code data} streams into a buffer when datatype and shape came first. */
  private NamedTensor input(JsonParser parser, String where, Decoding decoding, ByteBuffer binary) {
    String name = null;
    DataType type = null;
    long[] shape = null;
    Tensor streamed = null;
    JsonNode dataTree = null;
    NumericSpans.Span dataSpan = null;
    boolean hasData = false;
    long binarySize = -1;
    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = parser.currentName();
      parser.nextToken();
      switch (field) {
        case "name" -> {
          if (parser.currentToken() != JsonToken.VALUE_STRING) {
            throw ServingException.invalidArgument(where + ".name must be a string");
          }
          name = parser.getString();
        }
        case "datatype" -> type = datatype(mapper.readTree(parser), name == null ? where : name);
        case "shape" ->
            shape = shape(mapper.readTree(parser), name == null ? where : "input '" + name + "'");
        case "parameters" -> {
          Map<String, Object> parameters = parameters(mapper.readTree(parser), where);
          Object size = parameters.get("binary_data_size");
          if (size != null) {
            if (!(size instanceof Long bytes) || bytes < 0) {
              throw ServingException.invalidArgument(
                  where + " binary_data_size must be a non-negative integer, got " + size);
            }
            binarySize = bytes;
          }
        }
        case "data" -> {
          hasData = true;
          NumericSpans.Span span =
              parser.currentToken() == JsonToken.START_ARRAY
                  ? decoding.spans().at(parser.currentTokenLocation().getByteOffset())
                  : null;
          if (span != null) {
            parser.skipChildren(); // blanked: Jackson sees []
          }
          if (name != null && type != null && shape != null) {
            decoding.planJson(name, type, shape);
            streamed =
                span != null
                    ? SpanDecoder.decode(name, type, shape, span, decoding.maxElements())
                    : TensorJsonDecoder.decode(name, type, shape, parser, decoding.maxElements());
          } else if (span != null) {
            dataSpan = span;
          } else {
            dataTree = mapper.readTree(parser);
          }
        }
        default -> throw FIELDS.unknown(field, where, INPUT_FIELDS);
      }
    }
    if (name == null) {
      throw ServingException.invalidArgument(where + " is missing 'name'");
    }
    if (binarySize >= 0) {
      return new NamedTensor(
          name,
          binaryInput(name, where, type, shape, hasData, binarySize, binary, decoding.plan()));
    }
    for (Map.Entry<String, Boolean> required :
        List.of(
            Map.entry("shape", shape != null),
            Map.entry("datatype", type != null),
            Map.entry("data", hasData))) {
      if (!required.getValue()) {
        throw ServingException.invalidArgument(
            "input '" + name + "' (" + where + ") is missing '" + required.getKey() + "'");
      }
    }
    if (streamed == null) {
      decoding.planJson(name, type, shape);
    }
    Tensor tensor;
    if (streamed != null) {
      tensor = streamed;
    } else if (dataSpan != null) {
      tensor = SpanDecoder.decode(name, type, shape, dataSpan, decoding.maxElements());
    } else {
      tensor = TensorJsonDecoder.decode(name, type, shape, dataTree, decoding.maxElements());
    }
    return new NamedTensor(name, tensor);
  }

  private static Tensor binaryInput(
      String name,
      String where,
      DataType type,
      long[] shape,
      boolean hasData,
      long size,
      ByteBuffer binary,
      InputPlan plan) {
    String input = "input '" + name + "'";
    if (binary == null) {
      throw ServingException.invalidArgument(
          input
              + " declares binary_data_size but the request has no Inference-Header-Content-Length"
              + " header saying where its JSON ends");
    }
    if (hasData) {
      throw ServingException.invalidArgument(
          input + " has both 'data' and binary_data_size; send one or the other");
    }
    if (shape == null || type == null) {
      throw ServingException.invalidArgument(
          input + " (" + where + ") needs 'shape' and 'datatype' with its binary data");
    }
    plan.admit(name, type, shape, Math.min(size, binary.remaining()));
    return BinaryTensors.decode(name, type, shape, binary, size);
  }

  private static DataType datatype(JsonNode node, String name) {
    return DataType.fromProtocolName(node.isString() ? node.stringValue() : null)
        .orElseThrow(
            () ->
                ServingException.invalidArgument(
                    "input '"
                        + name
                        + "' has unknown datatype "
                        + node
                        + "; expected one of "
                        + DataType.protocolNames()));
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

  /** The requested outputs, with their encoding and classification. */
  private static final class Outputs {
    final List<String> names = new ArrayList<>();
    final Map<String, Integer> classifications = new LinkedHashMap<>();
    final Set<String> binary = new java.util.HashSet<>();
    final Set<String> json = new java.util.HashSet<>();
  }

  private static Outputs outputs(JsonNode node) {
    Outputs outputs = new Outputs();
    if (node == null) {
      return outputs;
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
      FIELDS.checkIn(output, where, OUTPUT_FIELDS);
      if (!output.has("name") || !output.get("name").isString()) {
        throw ServingException.invalidArgument(where + " needs a string 'name'");
      }
      String name = output.get("name").stringValue();
      Map<String, Object> parameters = parameters(output.get("parameters"), where);
      if (parameters.containsKey("binary_data")) {
        (flag(parameters, "binary_data", where) ? outputs.binary : outputs.json).add(name);
      }
      Object classes = parameters.get("classification");
      if (classes != null) {
        if (!(classes instanceof Long count) || count < 1 || count > Integer.MAX_VALUE) {
          throw ServingException.invalidArgument(
              where + " parameter 'classification' must be a positive integer, got " + classes);
        }
        outputs.classifications.put(name, count.intValue());
      }
      outputs.names.add(name);
    }
    return outputs;
  }

  /** A boolean parameter; absent means false. */
  private static boolean flag(Map<String, Object> parameters, String key, String where) {
    Object value = parameters.get(key);
    if (value == null) {
      return false;
    }
    if (value instanceof Boolean bool) {
      return bool;
    }
    throw ServingException.invalidArgument(
        where + " parameter '" + key + "' must be true or false, got " + value);
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
}
