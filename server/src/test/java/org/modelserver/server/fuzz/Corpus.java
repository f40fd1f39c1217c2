package org.modelserver.server.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;

/** The fuzzed models, and the hostile values and shapes shared by the doors; picks among them. */
final class Corpus {
  private Corpus() {}

  /** The ONNX models of the example repository (the TorchScript ones start libtorch: slow). */
  static final Set<String> MODELS =
      Set.of("classifier", "mixed_io", "identity_types", "token_embed", "identity_half");

  /** JSON values that are wrong almost anywhere, written as they are sent. */
  static final String[] HOSTILE_JSON = {
    "1e400",
    "-1e400",
    "-0",
    "NaN",
    "Infinity",
    "-Infinity",
    "\"NaN\"",
    "\"1\"",
    "true",
    "null",
    "{}",
    "[]",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "1.7976931348623157e309",
    "4.9e-325",
    "0x10",
    "01",
    "1e-400",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "[[[[1]]]]",
    "{\"a\":[1,{\"b\":null}]}",
    "1.5",
    "-1",
    "2147483648",
    "4611686018427387904"
  };

  static final String[] DATATYPES = {
    "FP16",
    "BF16",
    "BYTES",
    "BOOL",
    "INT8",
    "UINT8",
    "INT16",
    "UINT16",
    "INT32",
    "UINT32",
    "INT64",
    "UINT64",
    "FP32",
    "FP64",
    "fp32",
    "",
    "FLOAT",
    "FP32 ",
    "UNKNOWN",
    "\u0000",
    "FP8",
    "STRING",
    "x".repeat(100_000)
  };

  /** Shapes that are negative, empty, zero, huge, overflowing or too deep. */
  static final long[][] SHAPES = {
    {},
    {0},
    {0, 4},
    {-1, 4},
    {1, -4},
    {-1},
    {1L << 62, 4},
    {1L << 62, 1L << 62},
    {Long.MAX_VALUE, 1},
    {Long.MAX_VALUE, Long.MAX_VALUE},
    {Long.MIN_VALUE, 4},
    {3_037_000_500L, 3_037_000_500L},
    {1L << 31, 2},
    {1, 1L << 31},
    {1L << 32, 1L << 32},
    {1, 4, 1},
    {4, 1},
    {2, 2},
    {
      1, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
      1, 1, 1, 1, 1, 1, 1, 1, 1
    },
    {1_000_000, 4},
    {1, 1_000_000_000}
  };

  /**
   * Shapes that a request can fill with data of the right count: empty, over the batch limit,
   * another rank, long sequences; the model, not the parser, must refuse or serve them.
   */
  static final long[][] FILLABLE_SHAPES = {
    {0, 4},
    {1, 0},
    {0},
    {0, 0},
    {32, 4},
    {33, 4},
    {64, 4},
    {1, 1, 4},
    {4},
    {2, 2},
    {1, 100_000},
    {16, 1},
    {17, 2},
    {1, 4, 1},
    {1, 1},
    {1, 3},
    {1, 2048},
    {3, 0, 2}
  };

  /** A tensor of a shape, all zeros (empty strings for BYTES). */
  static Tensor filled(DataType type, long[] shape) {
    int count = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
    if (type == DataType.BYTES) {
      byte[][] elements = new byte[count][];
      Arrays.fill(elements, new byte[0]);
      return Tensor.ofBytes(shape, elements);
    }
    return Tensor.of(
        type, shape, ByteBuffer.allocate(count * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN));
  }

  /** Lies for a {@code binary_data_size} or a {@code classification} count. */
  static final long[] LYING_SIZES = {
    0,
    -1,
    1,
    3,
    15,
    17,
    1L << 31,
    (1L << 31) - 1,
    1L << 32,
    Long.MAX_VALUE,
    Long.MIN_VALUE,
    1_000_000
  };

  /** The header's lengths that lie, as the text of the header. */
  static final String[] HEADER_LENGTHS = {
    "-1",
    "-16",
    "abc",
    "",
    " ",
    "1e2",
    "0x10",
    "+16",
    "2147483648",
    "99999999999999999999",
    "16, 16",
    "0.5",
    "-0",
    "00000000000000000016",
    "1 6"
  };

  /**
   * Byte sequences that are not UTF-8: a lone continuation, overlong, surrogate, beyond U+10FFFF.
   */
  static final byte[][] NOT_UTF8 = {
    {(byte) 0xc3, 0x28},
    {(byte) 0xff},
    {(byte) 0x80},
    {(byte) 0xc0, (byte) 0x80},
    {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
    {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
    {(byte) 0xe2, (byte) 0x82}
  };

  /** The example models' outputs. */
  static final String[] OUTPUT_NAMES = {
    "probabilities",
    "scaled",
    "index",
    "embedding",
    "fp32_out",
    "bytes_out",
    "bool_out",
    "fp16_out",
    "bf16_out"
  };

  static <T> T pick(Random random, T[] values) {
    return values[random.nextInt(values.length)];
  }

  static <T> T pick(Random random, List<T> values) {
    return values.get(random.nextInt(values.size()));
  }
}
