package org.modelserver.server.pbtxt;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import java.math.BigInteger;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.modelserver.grpc.v2.ModelConfig;
import org.modelserver.runtime.config.ModelConfigException;
import org.modelserver.runtime.config.PbtxtReader;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Parses {@code config.pbtxt} with protobuf's {@link TextFormat} into Triton's {@code ModelConfig}
 * and turns the message into the node tree runtime's parser reads from {@code config.yaml}.
 *
 * <p>The tree holds the fields the message has: those written with a value other than their
 * default, and the {@code optional} ones (explicit presence, see {@code model_config.proto})
 * whenever written. Integers stay numbers (unlike {@code JsonFormat}, which prints 64-bit ones as
 * strings), enums are their names, maps are mappings.
 */
public final class PbtxtConfigReader implements PbtxtReader {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  // Triton (protobuf C++) refuses a singular field written twice; so do we.
  private final TextFormat.Parser parser =
      TextFormat.Parser.newBuilder()
          .setSingularOverwritePolicy(
              TextFormat.Parser.SingularOverwritePolicy.FORBID_SINGULAR_OVERWRITES)
          .build();

  @Override
  public JsonNode read(String text) {
    ModelConfig.Builder config = ModelConfig.newBuilder();
    try {
      parser.merge(text, config);
    } catch (TextFormat.ParseException e) {
      throw new ModelConfigException(
          "line " + e.getLine() + ", column " + e.getColumn() + ": " + withoutPosition(e), e);
    }
    return tree(config.build());
  }

  /** TextFormat's message starts with "line:column: ", which we say in words. */
  private static String withoutPosition(TextFormat.ParseException e) {
    String message = e.getMessage();
    String prefix = e.getLine() + ":" + e.getColumn() + ": ";
    return message != null && message.startsWith(prefix)
        ? message.substring(prefix.length())
        : String.valueOf(message);
  }

  static ObjectNode tree(Message message) {
    ObjectNode node = NODES.objectNode();
    for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
      node.set(field.getKey().getName(), value(field.getKey(), field.getValue()));
    }
    return node;
  }

  private static JsonNode value(FieldDescriptor field, Object value) {
    if (field.isMapField()) {
      FieldDescriptor key = field.getMessageType().findFieldByName("key");
      FieldDescriptor entryValue = field.getMessageType().findFieldByName("value");
      ObjectNode map = NODES.objectNode();
      for (Object entry : (List<?>) value) {
        Message pair = (Message) entry;
        map.set(
            String.valueOf(scalar(key, pair.getField(key))),
            single(entryValue, pair.getField(entryValue)));
      }
      return map;
    }
    if (field.isRepeated()) {
      ArrayNode list = NODES.arrayNode();
      for (Object element : (List<?>) value) {
        list.add(single(field, element));
      }
      return list;
    }
    return single(field, value);
  }

  private static JsonNode single(FieldDescriptor field, Object value) {
    return switch (field.getJavaType()) {
      case MESSAGE -> tree((Message) value);
      case ENUM -> NODES.stringNode(((EnumValueDescriptor) value).getName());
      case INT, LONG -> {
        Object number = scalar(field, value);
        yield number instanceof BigInteger big
            ? NODES.numberNode(big)
            : NODES.numberNode(((Number) number).longValue());
      }
      case FLOAT -> NODES.numberNode((Float) value);
      case DOUBLE -> NODES.numberNode((Double) value);
      case BOOLEAN -> NODES.booleanNode((Boolean) value);
      case STRING -> NODES.stringNode((String) value);
      case BYTE_STRING ->
          NODES.stringNode(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
    };
  }

  /** A scalar as Java sees it, with protobuf's unsigned integers made non-negative. */
  private static Object scalar(FieldDescriptor field, Object value) {
    return switch (field.getType()) {
      case UINT32, FIXED32 -> Integer.toUnsignedLong((Integer) value);
      case UINT64, FIXED64 -> {
        long bits = (Long) value;
        yield bits >= 0 ? (Object) bits : new BigInteger(Long.toUnsignedString(bits));
      }
      default -> value;
    };
  }
}
