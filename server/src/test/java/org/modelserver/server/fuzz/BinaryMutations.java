package org.modelserver.server.fuzz;

import static org.modelserver.server.fuzz.Corpus.pick;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.RawValue;

/** Mutations of a binary-extension request's sizes and tail. */
final class BinaryMutations {
  private BinaryMutations() {}

  static String lieAboutSize(Random random, ObjectNode header) {
    for (JsonNode input : header.get("inputs")) {
      if (input.has("parameters") && random.nextBoolean()) {
        ObjectNode parameters = (ObjectNode) input.get("parameters");
        if (random.nextInt(4) == 0) {
          String lie = pick(random, Corpus.HOSTILE_JSON);
          parameters.putRawValue("binary_data_size", new RawValue(lie));
          return "binary_data_size " + lie;
        }
        long lie =
            random.nextBoolean()
                ? parameters.path("binary_data_size").asLong(0) + random.nextInt(9) - 4
                : Corpus.LYING_SIZES[random.nextInt(Corpus.LYING_SIZES.length)];
        parameters.put("binary_data_size", lie);
        return "binary_data_size " + lie;
      }
    }
    return "no size lie";
  }

  static byte[] tail(Random random, byte[] tail, List<String> how) {
    if (tail.length >= 4 && random.nextBoolean()) {
      // a BYTES element's length prefix, or any 4 bytes, that lies
      int[] lies = {-1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0, tail.length, 1 << 30, 3};
      int lie = lies[random.nextInt(lies.length)];
      int at = random.nextInt(tail.length / 4) * 4;
      ByteBuffer.wrap(tail).order(ByteOrder.LITTLE_ENDIAN).putInt(at, lie);
      how.add("tail int " + lie + " at " + at);
      return tail;
    }
    return ByteMutations.apply(random, tail, how);
  }
}
