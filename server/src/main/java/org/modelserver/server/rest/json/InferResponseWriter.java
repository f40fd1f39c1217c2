package org.modelserver.server.rest.json;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.modelserver.runtime.inference.InferenceResponse;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.HalfFloats;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.server.codec.RawTensors;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** Writes a KServe v2 JSON inference response with flat, row-major {@code data} arrays. */
public final class InferResponseWriter {
  private final ObjectMapper mapper = JsonMapper.builder().build();

  /** A response body; {@code headerLength} is -1 for plain JSON, else the JSON part's length. */
  public record Encoded(byte[] body, int headerLength) {}

  /** Writes every output as JSON. */
  public byte[] write(InferenceResponse response) {
    return write(response, name -> false).body();
  }

  /**
   * Writes the response; outputs for which {@code binary} holds go after the JSON as binary data
   * (the binary tensor data extension), the others inline as JSON.
   */
  public Encoded write(InferenceResponse response, java.util.function.Predicate<String> binary) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    java.util.List<Tensor> binaryParts = new java.util.ArrayList<>();
    try (JsonGenerator json = mapper.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringProperty("model_name", response.modelName());
      json.writeStringProperty("model_version", Long.toString(response.modelVersion()));
      if (response.id() != null) {
        json.writeStringProperty("id", response.id());
      }
      json.writeName("outputs");
      json.writeStartArray();
      for (Map.Entry<String, Tensor> output : response.outputs().entrySet()) {
        boolean asBinary = binary.test(output.getKey());
        writeTensor(json, output.getKey(), output.getValue(), asBinary);
        if (asBinary) {
          binaryParts.add(output.getValue());
        }
      }
      json.writeEndArray();
      json.writeEndObject();
    }
    if (binaryParts.isEmpty()) {
      return new Encoded(out.toByteArray(), -1);
    }
    int headerLength = out.size();
    for (Tensor part : binaryParts) {
      RawTensors.write(part, out);
    }
    return new Encoded(out.toByteArray(), headerLength);
  }

  private static void writeTensor(
      JsonGenerator json, String name, Tensor tensor, boolean asBinary) {
    json.writeStartObject();
    json.writeStringProperty("name", name);
    json.writeStringProperty("datatype", tensor.dataType().protocolName());
    json.writeName("shape");
    json.writeStartArray();
    for (long dim : tensor.shape()) {
      json.writeNumber(dim);
    }
    json.writeEndArray();
    if (asBinary) {
      json.writeName("parameters");
      json.writeStartObject();
      json.writeNumberProperty("binary_data_size", RawTensors.size(tensor));
      json.writeEndObject();
    } else {
      json.writeName("data");
      json.writeStartArray();
      writeData(json, tensor);
      json.writeEndArray();
    }
    json.writeEndObject();
  }

  private static void writeData(JsonGenerator json, Tensor tensor) {
    int count = tensor.elementCount();
    if (tensor.dataType() == DataType.BYTES) {
      for (byte[] element : tensor.bytesElements()) {
        json.writeString(new String(element, StandardCharsets.UTF_8));
      }
      return;
    }
    ByteBuffer data = tensor.data();
    for (int i = 0; i < count; i++) {
      switch (tensor.dataType()) {
        case BOOL -> json.writeBoolean(data.get() != 0);
        case UINT8 -> json.writeNumber(data.get() & 0xFF);
        case INT8 -> json.writeNumber(data.get());
        case UINT16 -> json.writeNumber(data.getShort() & 0xFFFF);
        case INT16 -> json.writeNumber(data.getShort());
        case UINT32 -> json.writeNumber(data.getInt() & 0xFFFFFFFFL);
        case INT32 -> json.writeNumber(data.getInt());
        case UINT64 -> json.writeNumber(new BigInteger(Long.toUnsignedString(data.getLong())));
        case INT64 -> json.writeNumber(data.getLong());
        case FP16 -> json.writeNumber(HalfFloats.fp16ToFloat(data.getShort()));
        case BF16 -> json.writeNumber(HalfFloats.bf16ToFloat(data.getShort()));
        case FP32 -> json.writeNumber(data.getFloat());
        case FP64 -> json.writeNumber(data.getDouble());
        default -> throw new IllegalStateException("no JSON encoding for " + tensor.dataType());
      }
    }
  }
}
