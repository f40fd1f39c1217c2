package org.modelserver.server.fuzz;

import static org.modelserver.server.fuzz.Corpus.pick;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Mutations of bytes: flips, inserts, deletes, truncations, duplications, non-UTF-8. */
final class ByteMutations {
  private ByteMutations() {}

  private static final byte[] INTERESTING =
      "[]{}\",:\\-.e0 \u0000".getBytes(StandardCharsets.UTF_8);

  static byte[] apply(Random random, byte[] bytes, List<String> how) {
    if (bytes.length == 0) {
      how.add("insert into nothing");
      return new byte[] {INTERESTING[random.nextInt(INTERESTING.length)]};
    }
    int at = random.nextInt(bytes.length);
    switch (random.nextInt(7)) {
      case 0 -> {
        byte[] out = bytes.clone();
        out[at] ^= (byte) (1 << random.nextInt(8));
        how.add("flip at " + at);
        return out;
      }
      case 1 -> {
        byte[] out = bytes.clone();
        out[at] = INTERESTING[random.nextInt(INTERESTING.length)];
        how.add("set at " + at);
        return out;
      }
      case 2 -> {
        byte[] inserted = new byte[1 + random.nextInt(8)];
        random.nextBytes(inserted);
        how.add("insert " + inserted.length + " at " + at);
        return splice(bytes, at, 0, inserted);
      }
      case 3 -> {
        int length = 1 + random.nextInt(Math.min(64, bytes.length - at));
        how.add("delete " + length + " at " + at);
        return splice(bytes, at, length, new byte[0]);
      }
      case 4 -> {
        how.add("truncate at " + at);
        return Arrays.copyOf(bytes, at);
      }
      case 5 -> {
        int length = 1 + random.nextInt(Math.min(64, bytes.length - at));
        byte[] copy = Arrays.copyOfRange(bytes, at, at + length);
        int to = random.nextInt(bytes.length + 1);
        how.add("copy " + length + " from " + at + " to " + to);
        return splice(bytes, to, 0, copy);
      }
      default -> {
        // just after a quote where there is one, so that it lands inside a string
        int quote = indexOf(bytes, (byte) '"', at);
        int to = quote < 0 ? at : quote + 1;
        how.add("not UTF-8 at " + to);
        return splice(bytes, to, 0, pick(random, Corpus.NOT_UTF8));
      }
    }
  }

  private static int indexOf(byte[] bytes, byte value, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == value) {
        return i;
      }
    }
    return -1;
  }

  static byte[] splice(byte[] bytes, int at, int remove, byte[] insert) {
    byte[] out = new byte[bytes.length - remove + insert.length];
    System.arraycopy(bytes, 0, out, 0, at);
    System.arraycopy(insert, 0, out, at, insert.length);
    System.arraycopy(bytes, at + remove, out, at + insert.length, bytes.length - at - remove);
    return out;
  }
}
