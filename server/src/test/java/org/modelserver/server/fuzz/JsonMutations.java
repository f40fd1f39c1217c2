package org.modelserver.server.fuzz;

import static org.modelserver.server.fuzz.Corpus.pick;

import java.util.Arrays;
import java.util.Random;
import org.modelserver.server.HttpTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.RawValue;

/** Structural mutations of a JSON inference request. */
final class JsonMutations {
  private JsonMutations() {}

  /** Applies one mutation; returns its name. */
  static String apply(Random random, ObjectNode request) {
    ArrayNode inputs = request.path("inputs").isArray() ? (ArrayNode) request.get("inputs") : null;
    ObjectNode input =
        inputs != null && !inputs.isEmpty() && inputs.get(0).isObject()
            ? (ObjectNode) inputs.get(random.nextInt(inputs.size()))
            : request.putArray("inputs").addObject();
    switch (random.nextInt(17)) {
      case 16 -> {
        return reshape(random, input);
      }
      case 0 -> {
        String type = pick(random, Corpus.DATATYPES);
        if (random.nextInt(5) == 0) {
          input.putRawValue("datatype", new RawValue(pick(random, Corpus.HOSTILE_JSON)));
        } else {
          input.put("datatype", type);
        }
        return "datatype " + (type.length() > 20 ? type.length() + " characters" : type);
      }
      case 1 -> {
        ArrayNode shape = input.putArray("shape");
        for (long dim : pick(random, Corpus.SHAPES)) {
          shape.add(dim);
        }
        return "shape " + shape;
      }
      case 2 -> {
        ArrayNode shape =
            input.path("shape").isArray()
                ? (ArrayNode) input.get("shape")
                : input.putArray("shape");
        shape.insertRawValue(
            random.nextInt(shape.size() + 1), new RawValue(pick(random, Corpus.HOSTILE_JSON)));
        return "hostile dim";
      }
      case 3 -> {
        return data(random, input);
      }
      case 4 -> {
        String[] names = {"", "nope", "x".repeat(100_000), "\u0000", "features ", "模型"};
        String name =
            random.nextInt(3) == 0 && inputs != null
                ? inputs.get(0).path("name").asString("")
                : pick(random, names);
        input.put("name", name);
        return "input name of " + name.length() + " characters";
      }
      case 5 -> {
        long size = Corpus.LYING_SIZES[random.nextInt(Corpus.LYING_SIZES.length)];
        input.putObject("parameters").put("binary_data_size", size);
        return "binary_data_size " + size + " without binary data";
      }
      case 6 -> {
        String[] parameters = {
          "{\"binary_data_output\":\"yes\"}",
          "{\"binary_data_output\":null}",
          "{\"timeout\":-1}",
          "{\"priority\":18446744073709551616}",
          "{\"sequence_id\":1e400}",
          "{\"a\":{\"b\":1}}",
          "[]",
          "null",
          "7",
          "{\"" + "k".repeat(100_000) + "\":1}",
          "{\"binary_data_size\":16}"
        };
        request.putRawValue("parameters", new RawValue(pick(random, parameters)));
        return "request parameters";
      }
      case 7 -> {
        return outputs(random, request);
      }
      case 8 -> {
        String[] ids = {"5", "null", "{}", "\"" + "i".repeat(100_000) + "\"", "\"\\ud800\""};
        request.putRawValue("id", new RawValue(pick(random, ids)));
        return "id";
      }
      case 9 -> {
        String[] fields = {"name", "shape", "datatype", "data"};
        String field = pick(random, fields);
        input.remove(field);
        return "no " + field;
      }
      case 10 -> {
        (random.nextBoolean() ? request : input).put("extra", 1);
        return "unknown field";
      }
      case 11 -> {
        String[] values = {"[]", "{}", "null", "1", "[[]]", "[null]", "[1,2]", "\"inputs\""};
        request.putRawValue("inputs", new RawValue(pick(random, values)));
        return "inputs not a list of objects";
      }
      case 12 -> {
        if (inputs != null) {
          int copies = random.nextBoolean() || input.toString().length() > 1000 ? 1 : 1000;
          for (int i = 0; i < copies; i++) {
            inputs.add(input.deepCopy());
          }
          return copies + " copies of an input";
        }
        return "none";
      }
      case 13 -> {
        input.putRawValue("parameters", new RawValue(pick(random, Corpus.HOSTILE_JSON)));
        return "input parameters not an object";
      }
      case 14 -> {
        int depth = random.nextBoolean() ? 10_000 : 1000 + random.nextInt(2000);
        boolean closed = random.nextBoolean();
        String deep = "[".repeat(depth) + "1" + (closed ? "]".repeat(depth) : "");
        String field = random.nextBoolean() ? "data" : "shape";
        input.putRawValue(field, new RawValue(deep));
        return field + " nested " + depth + " deep" + (closed ? "" : ", unclosed");
      }
      default -> {
        boolean top = random.nextBoolean();
        ObjectNode target = top ? request : input;
        String[] keys =
            top
                ? new String[] {"inputs", "id", "parameters", "outputs"}
                : new String[] {"name", "shape", "datatype", "data", "parameters"};
        String key = pick(random, keys);
        // a duplicate key: Jackson's tree cannot hold one, so the raw value carries it
        JsonNode value = target.get(key);
        target.remove(key);
        target.putRawValue(
            key,
            new RawValue(
                (value == null ? "[]" : value.toString())
                    + ",\""
                    + key
                    + "\":"
                    + (value == null ? "[]" : value.toString())));
        return "duplicate key " + key;
      }
    }
  }

  /** A shape and data of the right count for it. */
  private static String reshape(Random random, ObjectNode input) {
    long[] shape = pick(random, Corpus.FILLABLE_SHAPES);
    input.set("shape", HttpTestClient.JSON.valueToTree(shape));
    ArrayNode data = input.putArray("data");
    String type = input.path("datatype").asString("");
    for (long i = Arrays.stream(shape).reduce(1, Math::multiplyExact); i > 0; i--) {
      switch (type) {
        case "BOOL" -> data.add(true);
        case "BYTES" -> data.add("a");
        case "FP32", "FP64" -> data.add(0.5);
        default -> data.add(1);
      }
    }
    return "shape and data " + Arrays.toString(shape);
  }

  private static String data(Random random, ObjectNode input) {
    JsonNode data = input.get("data");
    ArrayNode flat = HttpTestClient.JSON.createArrayNode();
    flatten(data, flat);
    switch (random.nextInt(9)) {
      case 0 -> {
        if (!flat.isEmpty()) {
          flat.remove(flat.size() - 1);
        }
        input.set("data", flat);
        return "one value short";
      }
      case 1 -> {
        flat.add(1);
        input.set("data", flat);
        return "one value more";
      }
      case 2 -> {
        if (flat.isEmpty()) {
          flat.add(0);
        }
        flat.setRawValue(
            random.nextInt(flat.size()), new RawValue(pick(random, Corpus.HOSTILE_JSON)));
        input.set("data", flat);
        return "a hostile value";
      }
      case 3 -> {
        ArrayNode wrapped = HttpTestClient.JSON.createArrayNode();
        wrapped.addArray().add(data == null ? flat : data);
        input.set("data", wrapped);
        return "data nested deeper";
      }
      case 4 -> {
        ArrayNode ragged = HttpTestClient.JSON.createArrayNode();
        ArrayNode row = ragged.addArray();
        for (int i = 0; i < flat.size(); i++) {
          if (i % 3 == 2) {
            row = ragged.addArray();
          }
          row.add(flat.get(i));
        }
        input.set("data", ragged);
        return "ragged data";
      }
      case 5 -> {
        input.putRawValue("data", new RawValue(pick(random, Corpus.HOSTILE_JSON)));
        return "data not a list";
      }
      case 6 -> {
        ArrayNode big = input.putArray("data");
        for (int i = 0; i < 100_000; i++) {
          big.add(i);
        }
        return "100,000 values";
      }
      case 7 -> {
        ArrayNode strings = input.putArray("data");
        flat.forEach(value -> strings.add(value.asString("")));
        return "values as strings";
      }
      default -> {
        input.put("data", "x".repeat(100_000));
        return "data a 100 KB string";
      }
    }
  }

  private static void flatten(JsonNode data, ArrayNode into) {
    if (data == null) {
      return;
    }
    if (data.isArray()) {
      data.forEach(child -> flatten(child, into));
    } else {
      into.add(data);
    }
  }

  private static String outputs(Random random, ObjectNode request) {
    String[] outputs = {
      "[{\"name\":\"nope\"}]",
      "[{\"name\":\"probabilities\"},{\"name\":\"probabilities\"}]",
      "[]",
      "{}",
      "[{}]",
      "[{\"name\":\"probabilities\",\"extra\":1}]",
      "[{\"name\":\"probabilities\",\"parameters\":{\"binary_data\":\"yes\"}}]",
      "[{\"name\":\"" + "o".repeat(100_000) + "\"}]"
    };
    if (random.nextBoolean()) {
      request.putRawValue("outputs", new RawValue(pick(random, outputs)));
      return "outputs";
    }
    ArrayNode wanted = request.putArray("outputs");
    for (int i = 1 + random.nextInt(3); i > 0; i--) {
      ObjectNode output = wanted.addObject().put("name", pick(random, Corpus.OUTPUT_NAMES));
      ObjectNode parameters = output.putObject("parameters");
      if (random.nextBoolean()) {
        parameters.putRawValue(
            "classification",
            new RawValue(
                random.nextInt(3) == 0
                    ? pick(random, Corpus.HOSTILE_JSON)
                    : Long.toString(
                        Corpus.LYING_SIZES[random.nextInt(Corpus.LYING_SIZES.length)])));
      }
      if (random.nextBoolean()) {
        parameters.putRawValue(
            "binary_data",
            new RawValue(random.nextInt(4) == 0 ? pick(random, Corpus.HOSTILE_JSON) : "true"));
      }
    }
    return "outputs " + wanted;
  }
}
