package org.modelserver.server.fuzz;

import static org.modelserver.server.fuzz.Corpus.pick;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.codec.RawTensors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Generators of REST cases. */
final class RestCases {
  private RestCases() {}

  private static final String[] PATHS = {
    "/v2/models/classifier/versions/0/infer",
    "/v2/models/classifier/versions/-1/infer",
    "/v2/models/classifier/versions/abc/infer",
    "/v2/models/classifier/versions/01/infer",
    "/v2/models/classifier/versions/99999999999999999999/infer",
    "/v2/models/classifier/versions/1.0/infer",
    "/v2/models/classifier/versions/%20/infer",
    "/v2/models/classifier%00/infer",
    "/v2/models/..%2Fclassifier/infer",
    "/v2/models/%C3%28/infer",
    "/v2/models/" + "a".repeat(9000) + "/infer",
    "/v2/models/nope/infer",
    "/v2/models/classifier/infer?x=%C3%28"
  };

  private static final String[] CONTENT_TYPES = {
    "text/plain", "application/json; charset=utf-16", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x", "application/octet-stream", "application/json;;;",
    "*/*"
  };

  static RestCase json(Random random) {
    Seed seed = pick(random, FuzzTest.seeds);
    List<String> how = new ArrayList<>();
    ObjectNode body = seed.json().deepCopy();
    int kind = random.nextInt(10);
    if (kind < 7) {
      for (int i = 1 + random.nextInt(2); i > 0; i--) {
        how.add(JsonMutations.apply(random, body));
      }
    }
    byte[] bytes = HttpTestClient.JSON.writeValueAsBytes(body);
    if (kind >= 4) {
      for (int i = 1 + random.nextInt(3); i > 0; i--) {
        bytes = ByteMutations.apply(random, bytes, how);
      }
    }
    if (random.nextInt(40) == 0) {
      String[] whole = {"", " ", "[]", "null", "\"x\"", "1", "{", "}", "{}", "[".repeat(10_000)};
      bytes = pick(random, whole).getBytes(StandardCharsets.UTF_8);
      how.add("a body of " + bytes.length + " bytes that is no request");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    String path = seed.path(random);
    if (random.nextInt(20) == 0) {
      path = pick(random, PATHS);
      how.add("path");
    }
    if (random.nextInt(20) == 0) {
      headers.put("Content-Type", pick(random, CONTENT_TYPES));
      how.add("content type");
    }
    return new RestCase(path, headers, bytes, String.join(", ", how));
  }

  /** A binary-extension request: a JSON header, its length in a header, then binary tensors. */
  static RestCase binary(Random random) {
    Seed seed = pick(random, FuzzTest.seeds);
    List<String> how = new ArrayList<>();
    if (random.nextInt(8) == 0) {
      return raw(random, how);
    }
    ObjectNode header = seed.json().deepCopy();
    ByteArrayOutputStream tail = new ByteArrayOutputStream();
    for (JsonNode node : header.get("inputs")) {
      ObjectNode input = (ObjectNode) node;
      if (random.nextInt(5) == 0) {
        continue; // this one stays JSON
      }
      Tensor tensor = seed.inputs().get(input.get("name").stringValue());
      if (random.nextInt(8) == 0) {
        long[] shape = pick(random, Corpus.FILLABLE_SHAPES);
        tensor = Corpus.filled(tensor.dataType(), shape);
        input.set("shape", HttpTestClient.JSON.valueToTree(shape));
        how.add("shape and data " + Arrays.toString(shape));
      }
      ByteString raw = RawTensors.encode(tensor);
      input.remove("data");
      input.putObject("parameters").put("binary_data_size", raw.size());
      tail.writeBytes(raw.toByteArray());
    }
    if (random.nextBoolean()) {
      header.putObject("parameters").put("binary_data_output", true);
    }
    if (random.nextInt(3) == 0) {
      how.add(BinaryMutations.lieAboutSize(random, header));
    }
    if (random.nextInt(4) == 0) {
      how.add(JsonMutations.apply(random, header));
    }
    byte[] json = HttpTestClient.JSON.writeValueAsBytes(header);
    int jsonLength = json.length;
    if (random.nextInt(4) == 0) {
      json = ByteMutations.apply(random, json, how);
      if (random.nextBoolean()) {
        jsonLength = json.length;
      }
    }
    byte[] binary = tail.toByteArray();
    if (random.nextInt(3) == 0) {
      binary = BinaryMutations.tail(random, binary, how);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/octet-stream");
    String length = Integer.toString(jsonLength);
    switch (random.nextInt(12)) {
      case 0 -> length = pick(random, Corpus.HEADER_LENGTHS);
      case 1 -> length = Integer.toString(jsonLength + random.nextInt(11) - 5);
      case 2 -> length = Integer.toString(json.length + binary.length + random.nextInt(3));
      case 3 -> length = null;
      case 4 -> length = "0";
      default -> {}
    }
    if (length == null) {
      how.add("no header length");
    } else {
      headers.put("Inference-Header-Content-Length", length);
      if (!length.equals(Integer.toString(jsonLength))) {
        how.add("header length " + length);
      }
    }
    if (random.nextInt(20) == 0) {
      headers.put("Content-Type", pick(random, CONTENT_TYPES));
      how.add("content type");
    }
    byte[] body = Arrays.copyOf(json, json.length + binary.length);
    System.arraycopy(binary, 0, body, json.length, binary.length);
    return new RestCase(seed.path(random), headers, body, String.join(", ", how));
  }

  /** The raw form: {@code Inference-Header-Content-Length: 0} and one tensor's bytes. */
  private static RestCase raw(Random random, List<String> how) {
    String model =
        random.nextInt(4) == 0
            ? pick(random, Corpus.MODELS.stream().sorted().toList())
            : "classifier";
    int[] sizes = {0, 1, 4, 15, 16, 17, 32, 48, 64, 4096, 16 * 33, random.nextInt(2048)};
    byte[] body = new byte[sizes[random.nextInt(sizes.length)]];
    random.nextBytes(body);
    how.add("raw body of " + body.length + " bytes for " + model);
    return new RestCase(
        "/v2/models/" + model + "/infer",
        Map.of("Content-Type", "application/octet-stream", "Inference-Header-Content-Length", "0"),
        body,
        String.join(", ", how));
  }
}
