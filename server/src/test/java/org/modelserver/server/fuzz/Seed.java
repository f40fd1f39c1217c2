package org.modelserver.server.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.modelserver.runtime.inference.InferenceRequest;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.runtime.testsupport.ReferenceJson;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.rest.json.InferRequestReader;
import tools.jackson.databind.node.ObjectNode;

/**
 * A valid request of an example model: its JSON body and its input tensors (for the binary forms).
 */
record Seed(String model, String version, ObjectNode json, Map<String, Tensor> inputs) {
  static List<Seed> all() {
    InferRequestReader reader = new InferRequestReader();
    List<Seed> all = new ArrayList<>();
    for (ReferenceJson reference : ReferenceJson.all()) {
      if (!Corpus.MODELS.contains(reference.model())) {
        continue;
      }
      ObjectNode json = (ObjectNode) reference.testCase().get("request");
      byte[] body = HttpTestClient.JSON.writeValueAsBytes(json);
      InferenceRequest decoded = reader.read(reference.model(), Optional.empty(), body);
      all.add(new Seed(reference.model(), reference.version(), json, decoded.inputs()));
    }
    // identity_half has no reference file, and JSON cannot carry its types: its JSON is refused
    // unless a mutation makes it FP32
    ObjectNode half =
        (ObjectNode)
            HttpTestClient.JSON.readTree(
                "{\"inputs\":[{\"name\":\"fp16_in\",\"shape\":[1,3],\"datatype\":\"FP16\","
                    + "\"data\":[1,-2.5,65504]},{\"name\":\"bf16_in\",\"shape\":[1,3],"
                    + "\"datatype\":\"BF16\",\"data\":[1,-2,0.5]}]}");
    Map<String, Tensor> halfInputs = new LinkedHashMap<>();
    halfInputs.put("fp16_in", half(DataType.FP16, 0x3C00, 0xC100, 0x7BFF));
    halfInputs.put("bf16_in", half(DataType.BF16, 0x3F80, 0xC000, 0x3F00));
    all.add(new Seed("identity_half", "1", half, halfInputs));
    return all;
  }

  private static Tensor half(DataType type, int... bits) {
    ByteBuffer data = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int value : bits) {
      data.putShort((short) value);
    }
    return Tensor.of(type, new long[] {1, bits.length}, data.flip());
  }

  String path(Random random) {
    return "/v2/models/" + model + (random.nextBoolean() ? "/versions/" + version : "") + "/infer";
  }
}
