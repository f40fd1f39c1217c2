package org.modelserver.server.rest.json;

import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;

/**
 * Feeds a JSON {@code data} array (flat or nested, row-major) into an {@link ElementWriter}:
 * straight from the token stream when the datatype and shape came first (the usual order), or from
 * a parsed tree when {@code data} came before them.
 */
final class TensorJsonDecoder {
  private TensorJsonDecoder() {}

  /** Decodes {@code data} from the parser, positioned on its first token. */
  static Tensor decode(
      String name, DataType type, long[] shape, JsonParser parser, long maxElements) {
    ElementWriter writer = new ElementWriter(name, type, shape, maxElements, parser::getString);
    JsonToken token = parser.currentToken();
    if (token != JsonToken.START_ARRAY) {
      leaf(parser, token, writer);
      return writer.finish();
    }
    int depth = 1;
    while (depth > 0) {
      token = parser.nextToken();
      if (token == JsonToken.START_ARRAY) {
        depth++;
      } else if (token == JsonToken.END_ARRAY) {
        depth--;
      } else {
        leaf(parser, token, writer);
      }
    }
    return writer.finish();
  }

  private static void leaf(JsonParser parser, JsonToken token, ElementWriter writer) {
    switch (token) {
      case VALUE_NUMBER_INT -> {
        if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          writer.bigInteger(parser.getBigIntegerValue());
        } else {
          writer.integer(parser.getLongValue());
        }
      }
      case VALUE_NUMBER_FLOAT -> {
        if (writer.isFp32()) {
          writer.decimal(parser.getFloatValue()); // parsed straight to float: one rounding
        } else {
          writer.decimal(parser.getDoubleValue());
        }
      }
      case VALUE_TRUE -> writer.bool(true);
      case VALUE_FALSE -> writer.bool(false);
      case VALUE_STRING -> writer.string(parser.getString());
      default -> writer.invalid();
    }
  }

  /** Decodes {@code data} from a tree, for requests that sent it before datatype or shape. */
  static Tensor decode(String name, DataType type, long[] shape, JsonNode data, long maxElements) {
    JsonNode[] current = {data};
    ElementWriter writer =
        new ElementWriter(name, type, shape, maxElements, () -> current[0].toString());
    walk(data, writer, current);
    return writer.finish();
  }

  private static void walk(JsonNode node, ElementWriter writer, JsonNode[] current) {
    if (node.isArray()) {
      for (JsonNode child : node) {
        walk(child, writer, current);
      }
      return;
    }
    current[0] = node;
    if (node.isIntegralNumber()) {
      if (node.canConvertToLong()) {
        writer.integer(node.longValue());
      } else {
        writer.bigInteger(node.bigIntegerValue());
      }
    } else if (node.isNumber()) {
      writer.decimal(node.doubleValue());
    } else if (node.isBoolean()) {
      writer.bool(node.booleanValue());
    } else if (node.isString()) {
      writer.string(node.stringValue());
    } else {
      writer.invalid();
    }
  }
}
