package org.modelserver.runtime.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One case of a model's {@code reference.json}: a KServe v2 request and the outputs PyTorch
 * computed for it.
 *
 * @param model the model folder the file belongs to
 * @param version the version the case addresses
 * @param id the request id
 * @param inputs the request's inputs, in file order
 * @param outputs the expected outputs, in file order
 */
public record ReferenceCase(
    String model,
    long version,
    String id,
    Map<String, Tensor> inputs,
    Map<String, Tensor> outputs) {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Override
  public String toString() {
    return model + " v" + version + " " + id;
  }

  /** Every case of {@code model-repo/<model>/reference.json}. */
  public static List<ReferenceCase> load(String model) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(TestRepos.modelDir(model).resolve("reference.json")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<ReferenceCase> cases = new ArrayList<>();
    for (JsonNode item : root.get("cases")) {
      JsonNode request = item.get("request");
      cases.add(
          new ReferenceCase(
              model,
              Long.parseLong(item.get("version").stringValue()),
              request.get("id").stringValue(),
              tensors(request.get("inputs")),
              tensors(item.get("response").get("outputs"))));
    }
    return cases;
  }

  /** Every case of every example model. */
  public static List<ReferenceCase> loadAll() {
    List<ReferenceCase> cases = new ArrayList<>();
    for (String model : TestRepos.ALL_MODELS) {
      cases.addAll(load(model));
    }
    return cases;
  }

  private static Map<String, Tensor> tensors(JsonNode list) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (JsonNode node : list) {
      tensors.put(node.get("name").stringValue(), tensor(node));
    }
    return tensors;
  }

  /** Builds a tensor from a KServe v2 JSON tensor ({@code shape}, {@code datatype}, flat data). */
  public static Tensor tensor(JsonNode node) {
    JsonNode shapeNode = node.get("shape");
    long[] shape = new long[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeNode.get(i).longValue();
    }
    DataType type =
        DataType.fromProtocolName(node.get("datatype").stringValue())
            .orElseThrow(() -> new IllegalArgumentException("bad datatype in " + node));
    JsonNode data = node.get("data");
    int count = data.size();
    if (type == DataType.BYTES) {
      byte[][] elements = new byte[count][];
      for (int i = 0; i < count; i++) {
        JsonNode value = data.get(i);
        if (!value.isString()) {
          throw new IllegalArgumentException("BYTES element is not a string: " + value);
        }
        elements[i] = value.stringValue().getBytes(StandardCharsets.UTF_8);
      }
      return Tensor.ofBytes(shape, elements);
    }
    ByteBuffer buffer = Tensor.allocate(type, count);
    for (JsonNode value : data) {
      switch (type) {
        case BOOL -> buffer.put((byte) (value.booleanValue() ? 1 : 0));
        case UINT8, INT8 -> buffer.put((byte) value.longValue());
        case INT16 -> buffer.putShort((short) value.longValue());
        case INT32 -> buffer.putInt((int) value.longValue());
        case INT64 -> buffer.putLong(value.longValue());
        case FP32 -> buffer.putFloat((float) value.doubleValue());
        case FP64 -> buffer.putDouble(value.doubleValue());
        default -> throw new IllegalArgumentException("no reference data of type " + type);
      }
    }
    buffer.flip();
    return Tensor.of(type, shape, buffer);
  }
}
