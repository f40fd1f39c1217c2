package org.modelserver.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.InferParameter;
import org.modelserver.grpc.v2.InferTensorContents;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelInferRequest.InferInputTensor;
import org.modelserver.grpc.v2.ModelInferRequest.InferRequestedOutputTensor;
import org.modelserver.grpc.v2.ModelInferResponse;
import org.modelserver.runtime.inference.InferenceRequest;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.runtime.testsupport.ReferenceJson;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.Messages;
import org.modelserver.server.RunningServer;
import org.modelserver.server.TestRepos;
import org.modelserver.server.codec.RawTensors;
import org.modelserver.server.rest.json.InferRequestReader;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.RawValue;

/**
 * A seeded fuzzer over the inference doors (issue 14): valid requests of the example models,
 * mutated and made hostile, over REST JSON, the REST binary extension and gRPC ModelInfer. No case
 * may get a 5xx or a gRPC status of a server fault, a stack trace, or an error past its bounds;
 * every {@value #CHECK_EVERY} cases and at the end, liveness and a valid inference over both
 * transports must still answer.
 *
 * <p>Each case draws from its own {@code Random} of the seed and its index, so {@code -Dfuzz.seed=S
 * -Dfuzz.first=N -Dfuzz.cases=1} replays case N alone; other seeds and more cases explore further.
 * Each door prints its count, time, answers and slowest case.
 */
class FuzzTest {
  private static final long SEED = Long.getLong("fuzz.seed", 20_260_714L);
  private static final int CASES = Integer.getInteger("fuzz.cases", 1000);
  private static final int FIRST = Integer.getInteger("fuzz.first", 0);
  private static final int CHECK_EVERY = 200;

  /** An error body is {"error": message} with a bounded message: a few KB at most. */
  private static final int MAX_ERROR_BODY = 8 * 1024;

  private static final Pattern STACK_TRACE =
      Pattern.compile(
          "\n\tat |\\.java:\\d|\\b(java|javax|jakarta|org|com|io|tools|sun)\\.[\\w.$]+(Exception|Error)\\b");

  /** gRPC statuses no request may cause on an idle, healthy server. */
  private static final Set<Status.Code> SERVER_FAULTS =
      Set.of(
          Status.Code.UNKNOWN,
          Status.Code.INTERNAL,
          Status.Code.UNAVAILABLE,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.DATA_LOSS,
          Status.Code.UNIMPLEMENTED);

  /** The ONNX models of the example repository (the TorchScript ones start libtorch: slow). */
  private static final Set<String> MODELS =
      Set.of("classifier", "mixed_io", "identity_types", "token_embed", "identity_half");

  private static final MethodDescriptor.Marshaller<byte[]> RAW =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private static final MethodDescriptor<byte[], byte[]> MODEL_INFER =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(GRPCInferenceServiceGrpc.SERVICE_NAME + "/ModelInfer")
          .setRequestMarshaller(RAW)
          .setResponseMarshaller(RAW)
          .build();

  private static RunningServer server;
  private static HttpTestClient http;
  private static ManagedChannel channel;
  private static List<Seed> seeds;

  @BeforeAll
  static void start() {
    server =
        RunningServer.start(
            "--model-repository=" + TestRepos.exampleRepo(),
            "--model-control-mode=explicit",
            "--load-model=" + String.join(",", MODELS));
    http = server.http();
    channel = server.channel();
    seeds = Seed.all();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void mutatedRestJsonBodies() {
    fuzz("rest-json", 1, random -> checkRest(RestCases.json(random)));
  }

  @Test
  void mutatedRestBinaryBodies() {
    fuzz("rest-binary", 2, random -> checkRest(RestCases.binary(random)));
  }

  @Test
  void mutatedGrpcInferMessages() {
    fuzz("grpc", 3, random -> checkGrpc(GrpcCases.infer(random)));
  }

  /**
   * How the server answered one case (a status), what is wrong with the answer (null: nothing) and
   * the request.
   */
  record Outcome(String answer, String failure, Object request) {}

  /**
   * Runs the cases of one door, checking between them that the server still answers; prints the
   * count, the time, the answers and the slowest case.
   */
  private static void fuzz(String door, long salt, Function<Random, Outcome> run) {
    long started = System.nanoTime();
    Map<String, Integer> answers = new TreeMap<>();
    long slowest = 0;
    Object slowestRequest = null;
    for (int index = FIRST; index < FIRST + CASES; index++) {
      Random random = new Random(SEED ^ (salt << 48) ^ (index * 0x9E3779B97F4A7C15L));
      long caseStarted = System.nanoTime();
      Outcome outcome = run.apply(random);
      long took = System.nanoTime() - caseStarted;
      if (outcome.failure() != null) {
        throw new AssertionError(
            String.format(
                "%s case %d of seed %d (-Dfuzz.seed=%d -Dfuzz.first=%d -Dfuzz.cases=1 replays"
                    + " it): %s%n  request: %s",
                door, index, SEED, SEED, index, outcome.failure(), outcome.request()));
      }
      answers.merge(outcome.answer(), 1, Integer::sum);
      if (took > slowest) {
        slowest = took;
        slowestRequest = "case " + index + ": " + outcome.request();
      }
      if (index % CHECK_EVERY == CHECK_EVERY - 1) {
        stillAnswering(door + " after case " + index + " of seed " + SEED);
      }
    }
    stillAnswering(door + " after all " + CASES + " cases of seed " + SEED);
    System.out.printf(
        "FuzzTest %s: %d cases of seed %d in %d ms; answers %s; slowest %d ms, %s%n",
        door,
        CASES,
        SEED,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        answers,
        TimeUnit.NANOSECONDS.toMillis(slowest),
        truncate(String.valueOf(slowestRequest), 300));
  }

  private static String truncate(String text, int length) {
    return text.length() <= length ? text : text.substring(0, length) + "…";
  }

  /** A valid inference over REST and gRPC, and liveness, all answer as they should. */
  private static void stillAnswering(String when) {
    assertThat(http.get("/v2/health/live").status()).as("live " + when).isEqualTo(200);
    HttpTestClient.Reply rest =
        http.post(
            "/v2/models/classifier/infer",
            "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\","
                + "\"data\":[1,2,3,4]}]}");
    assertThat(rest.status()).as("REST inference " + when + ": " + rest.body()).isEqualTo(200);
    assertThat(rest.json().get("outputs").get(0).get("shape").toString()).isEqualTo("[1,3]");
    ModelInferResponse grpc =
        GRPCInferenceServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(20, TimeUnit.SECONDS)
            .modelInfer(
                ModelInferRequest.newBuilder()
                    .setModelName("classifier")
                    .addInputs(
                        InferInputTensor.newBuilder()
                            .setName("features")
                            .setDatatype("FP32")
                            .addShape(1)
                            .addShape(4)
                            .setContents(
                                InferTensorContents.newBuilder()
                                    .addAllFp32Contents(List.of(1f, 2f, 3f, 4f))))
                    .build());
    assertThat(grpc.getOutputs(0).getShapeList())
        .as("gRPC inference " + when)
        .containsExactly(1L, 3L);
  }

  /** One REST request: a POST of bytes with headers. */
  record RestCase(String path, Map<String, String> headers, byte[] body, String how) {
    @Override
    public String toString() {
      return "POST "
          + printable(path.getBytes(StandardCharsets.UTF_8))
          + " "
          + headers
          + " ["
          + printable(how)
          + "] body: "
          + printable(body);
    }
  }

  /** Sends a REST case and checks the reply. */
  private static Outcome checkRest(RestCase request) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(http.uri(request.path()))
            .POST(HttpRequest.BodyPublishers.ofByteArray(request.body()));
    request.headers().forEach(builder::header);
    HttpTestClient.Reply reply;
    try {
      reply = http.send(builder);
    } catch (RuntimeException e) {
      return new Outcome("no reply", "no reply (" + e + ")", request);
    }
    String answer = Integer.toString(reply.status());
    if (reply.status() >= 400 && !reply.contentType().startsWith("application/json")) {
      answer +=
          " (" + (reply.contentType().isEmpty() ? "no content type" : reply.contentType()) + ")";
    }
    return new Outcome(answer, restFailure(reply), request);
  }

  private static String restFailure(HttpTestClient.Reply reply) {
    String body = reply.body();
    String seen = "\n  reply " + reply.status() + ": " + printable(body);
    if (reply.status() >= 500) {
      return "a server error" + seen;
    }
    if (reply.status() < 400) {
      return null;
    }
    if (body.length() > MAX_ERROR_BODY) {
      return "an error body of " + body.length() + " characters" + seen;
    }
    if (STACK_TRACE.matcher(body).find()) {
      return "a stack trace" + seen;
    }
    if (reply.contentType().startsWith("application/json")) {
      JsonNode error;
      try {
        error = reply.json().get("error");
      } catch (RuntimeException e) {
        return "a JSON error body that is not JSON" + seen;
      }
      if (error != null && error.isString() && error.stringValue().length() > Messages.MAX_LENGTH) {
        return "an error message of " + error.stringValue().length() + " characters" + seen;
      }
    }
    return null;
  }

  /** One gRPC request message, as bytes. */
  record GrpcCase(byte[] message, String how) {
    @Override
    public String toString() {
      return "ModelInfer [" + printable(how) + "] message: " + printable(message);
    }
  }

  /** Sends a gRPC case and checks its status. */
  private static Outcome checkGrpc(GrpcCase request) {
    try {
      ClientCalls.blockingUnaryCall(
          channel,
          MODEL_INFER,
          CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
          request.message());
      return new Outcome("OK", null, request);
    } catch (StatusRuntimeException e) {
      Status status = e.getStatus();
      return new Outcome(status.getCode().name(), grpcFailure(status), request);
    }
  }

  private static String grpcFailure(Status status) {
    String description = status.getDescription() == null ? "" : status.getDescription();
    String seen = "\n  status " + status.getCode() + ": " + printable(description);
    if (SERVER_FAULTS.contains(status.getCode())) {
      return "a server fault" + seen;
    }
    if (description.length() > Messages.MAX_LENGTH) {
      return "a description of " + description.length() + " characters" + seen;
    }
    if (STACK_TRACE.matcher(description).find()) {
      return "a stack trace" + seen;
    }
    return null;
  }

  /**
   * A valid request of an example model: its JSON body and its input tensors (for the binary
   * forms).
   */
  record Seed(String model, String version, ObjectNode json, Map<String, Tensor> inputs) {
    static List<Seed> all() {
      InferRequestReader reader = new InferRequestReader();
      List<Seed> all = new ArrayList<>();
      for (ReferenceJson reference : ReferenceJson.all()) {
        if (!MODELS.contains(reference.model())) {
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
      return "/v2/models/"
          + model
          + (random.nextBoolean() ? "/versions/" + version : "")
          + "/infer";
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Hostile values shared by the doors

  /** JSON values that are wrong almost anywhere, written as they are sent. */
  private static final String[] HOSTILE_JSON = {
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

  private static final String[] DATATYPES = {
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
  private static final long[][] SHAPES = {
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
  private static final long[][] FILLABLE_SHAPES = {
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
  private static Tensor filled(DataType type, long[] shape) {
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
  private static final long[] LYING_SIZES = {
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
  private static final String[] HEADER_LENGTHS = {
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
  private static final byte[][] NOT_UTF8 = {
    {(byte) 0xc3, 0x28},
    {(byte) 0xff},
    {(byte) 0x80},
    {(byte) 0xc0, (byte) 0x80},
    {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
    {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
    {(byte) 0xe2, (byte) 0x82}
  };

  /** The example models' outputs. */
  private static final String[] OUTPUT_NAMES = {
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

  private static <T> T pick(Random random, T[] values) {
    return values[random.nextInt(values.length)];
  }

  private static <T> T pick(Random random, List<T> values) {
    return values.get(random.nextInt(values.size()));
  }

  // ---------------------------------------------------------------------------------------------
  // REST

  /** Generators of REST cases. */
  static final class RestCases {
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
      Seed seed = pick(random, seeds);
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
      Seed seed = pick(random, seeds);
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
          long[] shape = pick(random, FILLABLE_SHAPES);
          tensor = filled(tensor.dataType(), shape);
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
        case 0 -> length = pick(random, HEADER_LENGTHS);
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
          random.nextInt(4) == 0 ? pick(random, MODELS.stream().sorted().toList()) : "classifier";
      int[] sizes = {0, 1, 4, 15, 16, 17, 32, 48, 64, 4096, 16 * 33, random.nextInt(2048)};
      byte[] body = new byte[sizes[random.nextInt(sizes.length)]];
      random.nextBytes(body);
      how.add("raw body of " + body.length + " bytes for " + model);
      return new RestCase(
          "/v2/models/" + model + "/infer",
          Map.of(
              "Content-Type", "application/octet-stream", "Inference-Header-Content-Length", "0"),
          body,
          String.join(", ", how));
    }
  }

  /** Structural mutations of a JSON inference request. */
  static final class JsonMutations {
    private JsonMutations() {}

    /** Applies one mutation; returns its name. */
    static String apply(Random random, ObjectNode request) {
      ArrayNode inputs =
          request.path("inputs").isArray() ? (ArrayNode) request.get("inputs") : null;
      ObjectNode input =
          inputs != null && !inputs.isEmpty() && inputs.get(0).isObject()
              ? (ObjectNode) inputs.get(random.nextInt(inputs.size()))
              : request.putArray("inputs").addObject();
      switch (random.nextInt(17)) {
        case 16 -> {
          return reshape(random, input);
        }
        case 0 -> {
          String type = pick(random, DATATYPES);
          if (random.nextInt(5) == 0) {
            input.putRawValue("datatype", new RawValue(pick(random, HOSTILE_JSON)));
          } else {
            input.put("datatype", type);
          }
          return "datatype " + (type.length() > 20 ? type.length() + " characters" : type);
        }
        case 1 -> {
          ArrayNode shape = input.putArray("shape");
          for (long dim : pick(random, SHAPES)) {
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
              random.nextInt(shape.size() + 1), new RawValue(pick(random, HOSTILE_JSON)));
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
          long size = LYING_SIZES[random.nextInt(LYING_SIZES.length)];
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
          input.putRawValue("parameters", new RawValue(pick(random, HOSTILE_JSON)));
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
      long[] shape = pick(random, FILLABLE_SHAPES);
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
          flat.setRawValue(random.nextInt(flat.size()), new RawValue(pick(random, HOSTILE_JSON)));
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
          input.putRawValue("data", new RawValue(pick(random, HOSTILE_JSON)));
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
        ObjectNode output = wanted.addObject().put("name", pick(random, OUTPUT_NAMES));
        ObjectNode parameters = output.putObject("parameters");
        if (random.nextBoolean()) {
          parameters.putRawValue(
              "classification",
              new RawValue(
                  random.nextInt(3) == 0
                      ? pick(random, HOSTILE_JSON)
                      : Long.toString(LYING_SIZES[random.nextInt(LYING_SIZES.length)])));
        }
        if (random.nextBoolean()) {
          parameters.putRawValue(
              "binary_data",
              new RawValue(random.nextInt(4) == 0 ? pick(random, HOSTILE_JSON) : "true"));
        }
      }
      return "outputs " + wanted;
    }
  }

  /** Mutations of a binary-extension request's sizes and tail. */
  static final class BinaryMutations {
    private BinaryMutations() {}

    static String lieAboutSize(Random random, ObjectNode header) {
      for (JsonNode input : header.get("inputs")) {
        if (input.has("parameters") && random.nextBoolean()) {
          ObjectNode parameters = (ObjectNode) input.get("parameters");
          if (random.nextInt(4) == 0) {
            String lie = pick(random, HOSTILE_JSON);
            parameters.putRawValue("binary_data_size", new RawValue(lie));
            return "binary_data_size " + lie;
          }
          long lie =
              random.nextBoolean()
                  ? parameters.path("binary_data_size").asLong(0) + random.nextInt(9) - 4
                  : LYING_SIZES[random.nextInt(LYING_SIZES.length)];
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

  /** Mutations of bytes: flips, inserts, deletes, truncations, duplications, non-UTF-8. */
  static final class ByteMutations {
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
          return splice(bytes, to, 0, pick(random, NOT_UTF8));
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

  // ---------------------------------------------------------------------------------------------
  // gRPC

  /** Generators of gRPC ModelInfer messages. */
  static final class GrpcCases {
    private GrpcCases() {}

    static GrpcCase infer(Random random) {
      List<String> how = new ArrayList<>();
      if (random.nextInt(20) == 0) {
        byte[] noise = new byte[random.nextInt(512)];
        random.nextBytes(noise);
        return new GrpcCase(noise, "random bytes");
      }
      Seed seed = pick(random, seeds);
      ModelInferRequest.Builder request = request(random, seed, how);
      int kind = random.nextInt(10);
      if (kind < 7) {
        for (int i = 1 + random.nextInt(2); i > 0; i--) {
          how.add(mutate(random, request));
        }
      }
      byte[] message = request.build().toByteArray();
      if (kind >= 5) {
        for (int i = 1 + random.nextInt(2); i > 0; i--) {
          message = wire(random, message, how);
        }
      }
      return new GrpcCase(message, String.join(", ", how));
    }

    /** Types that travel only as raw_input_contents. */
    private static final Set<DataType> HALF = Set.of(DataType.FP16, DataType.BF16);

    /** The seed as a ModelInferRequest, with typed contents or raw_input_contents. */
    private static ModelInferRequest.Builder request(Random random, Seed seed, List<String> how) {
      ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(seed.model());
      if (random.nextBoolean()) {
        request.setModelVersion(seed.version());
      }
      boolean raw =
          random.nextBoolean()
              || seed.inputs().values().stream().anyMatch(t -> HALF.contains(t.dataType()));
      how.add(seed.model() + (raw ? " raw" : " typed"));
      for (Map.Entry<String, Tensor> entry : seed.inputs().entrySet()) {
        Tensor tensor = entry.getValue();
        InferInputTensor.Builder input =
            InferInputTensor.newBuilder()
                .setName(entry.getKey())
                .setDatatype(tensor.dataType().protocolName());
        for (long dim : tensor.shape()) {
          input.addShape(dim);
        }
        if (raw) {
          request.addRawInputContents(RawTensors.encode(tensor));
        } else {
          input.setContents(contents(tensor));
        }
        request.addInputs(input);
      }
      return request;
    }

    private static InferTensorContents contents(Tensor tensor) {
      InferTensorContents.Builder contents = InferTensorContents.newBuilder();
      if (tensor.dataType() == DataType.BYTES) {
        for (byte[] element : tensor.bytesElements()) {
          contents.addBytesContents(ByteString.copyFrom(element));
        }
        return contents.build();
      }
      ByteBuffer data = tensor.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < tensor.elementCount(); i++) {
        switch (tensor.dataType()) {
          case BOOL -> contents.addBoolContents(data.get() != 0);
          case INT8 -> contents.addIntContents(data.get());
          case UINT8 -> contents.addUintContents(data.get() & 0xff);
          case INT16 -> contents.addIntContents(data.getShort());
          case UINT16 -> contents.addUintContents(data.getShort() & 0xffff);
          case INT32 -> contents.addIntContents(data.getInt());
          case UINT32 -> contents.addUintContents(data.getInt());
          case INT64 -> contents.addInt64Contents(data.getLong());
          case UINT64 -> contents.addUint64Contents(data.getLong());
          case FP32 -> contents.addFp32Contents(data.getFloat());
          case FP64 -> contents.addFp64Contents(data.getDouble());
          default ->
              throw new IllegalArgumentException("no typed contents for " + tensor.dataType());
        }
      }
      return contents.build();
    }

    private static String mutate(Random random, ModelInferRequest.Builder request) {
      if (request.getInputsCount() == 0) {
        request.addInputs(InferInputTensor.newBuilder());
      }
      int index = random.nextInt(request.getInputsCount());
      InferInputTensor.Builder input = request.getInputsBuilder(index);
      switch (random.nextInt(14)) {
        case 13 -> {
          Optional<DataType> type = DataType.fromProtocolName(input.getDatatype());
          if (type.isEmpty()) {
            return "no reshape of an unknown type";
          }
          long[] shape = pick(random, FILLABLE_SHAPES);
          Tensor tensor = filled(type.get(), shape);
          input.clearShape();
          Arrays.stream(shape).forEach(input::addShape);
          if (index < request.getRawInputContentsCount()) {
            request.setRawInputContents(index, RawTensors.encode(tensor));
          } else if (!HALF.contains(type.get())) {
            input.setContents(contents(tensor));
          }
          return "shape and data " + Arrays.toString(shape);
        }
        case 0 -> {
          String[] names = {
            "", "x".repeat(100_000), "nope", "classifier\u0000", "../classifier", "模型"
          };
          request.setModelName(pick(random, names));
          return "model_name of " + request.getModelName().length() + " characters";
        }
        case 1 -> {
          String[] versions = {
            "abc", "-1", "0", "99999999999999999999", "1.5", " 1", "v".repeat(10_000)
          };
          request.setModelVersion(pick(random, versions));
          return "model_version";
        }
        case 2 -> {
          String type = pick(random, DATATYPES);
          input.setDatatype(type);
          return "datatype " + (type.length() > 20 ? type.length() + " characters" : type);
        }
        case 3 -> {
          long[] shape = pick(random, SHAPES);
          input.clearShape();
          for (long dim : shape) {
            input.addShape(dim);
          }
          return "shape " + Arrays.toString(shape);
        }
        case 4 -> {
          if (request.getRawInputContentsCount() == 0) {
            request.addRawInputContents(ByteString.copyFrom(new byte[16]));
            return "raw_input_contents beside typed contents";
          }
          int at = random.nextInt(request.getRawInputContentsCount());
          int size = request.getRawInputContents(at).size();
          int[] sizes = {0, size - 1, size + 1, size * 2, 1 << 20, 3};
          int wrong = Math.max(0, sizes[random.nextInt(sizes.length)]);
          byte[] bytes = new byte[wrong];
          random.nextBytes(bytes);
          request.setRawInputContents(at, ByteString.copyFrom(bytes));
          return "raw_input_contents of " + wrong + " bytes for " + size;
        }
        case 5 -> {
          if (request.getRawInputContentsCount() > 0) {
            if (random.nextBoolean()) {
              request.addRawInputContents(ByteString.EMPTY);
              return "one raw_input_contents too many";
            }
            input.setContents(InferTensorContents.newBuilder().addFp32Contents(1));
            return "contents beside raw_input_contents";
          }
          InferTensorContents.Builder contents = InferTensorContents.newBuilder();
          switch (random.nextInt(5)) {
            case 0 -> contents.addInt64Contents(1).addFp32Contents(1);
            case 1 -> contents.addAllFp64Contents(List.of(1.0, Double.NaN, -0.0, 1e308));
            case 2 -> {
              for (int i = 0; i < 10_000; i++) {
                contents.addBytesContents(ByteString.EMPTY);
              }
            }
            case 3 -> contents.addBytesContents(ByteString.copyFrom(new byte[100_000]));
            default -> {}
          }
          input.setContents(contents);
          return "contents of the wrong kind or count";
        }
        case 6 -> {
          String[] names = {"", "x".repeat(100_000), "nope", request.getInputs(0).getName()};
          input.setName(pick(random, names));
          return "input name of " + input.getName().length() + " characters";
        }
        case 7 -> {
          InferParameter[] values = {
            InferParameter.newBuilder().setInt64Param(-1).build(),
            InferParameter.newBuilder().setInt64Param(Long.MAX_VALUE).build(),
            InferParameter.newBuilder().setUint64Param(-1).build(),
            InferParameter.newBuilder().setStringParam("x".repeat(100_000)).build(),
            InferParameter.newBuilder().setDoubleParam(Double.NaN).build(),
            InferParameter.newBuilder().setBoolParam(true).build(),
            InferParameter.getDefaultInstance()
          };
          String[] keys = {
            "binary_data_size",
            "classification",
            "binary_data_output",
            "priority",
            "timeout",
            "sequence_id",
            "k".repeat(10_000)
          };
          String key = pick(random, keys);
          InferParameter value = pick(random, values);
          switch (random.nextInt(3)) {
            case 0 -> request.putParameters(key, value);
            case 1 -> input.putParameters(key, value);
            default ->
                request.addOutputs(
                    InferRequestedOutputTensor.newBuilder()
                        .setName(pick(random, OUTPUT_NAMES))
                        .putParameters(key, value));
          }
          return "parameter " + (key.length() > 20 ? key.length() + " characters" : key);
        }
        case 8 -> {
          String[] names = {"nope", "", "probabilities", "o".repeat(100_000)};
          String name = pick(random, names);
          int count = random.nextBoolean() || name.length() > 100 ? 2 : 1000;
          for (int i = 0; i < count; i++) {
            request.addOutputs(InferRequestedOutputTensor.newBuilder().setName(name));
          }
          return count + " outputs named with " + name.length() + " characters";
        }
        case 9 -> {
          request.setId("i".repeat(100_000));
          return "a 100 KB id";
        }
        case 10 -> {
          request.clearInputs();
          return "no inputs";
        }
        case 11 -> {
          request.addInputs(input.build());
          return "an input twice";
        }
        default -> {
          input.clearContents();
          return "no contents";
        }
      }
    }

    /** Mutations of the encoded message. */
    private static byte[] wire(Random random, byte[] message, List<String> how) {
      switch (random.nextInt(4)) {
        case 0 -> {
          // a string field of bytes that are not UTF-8: the model name, or a new input's name
          byte[] invalid = pick(random, NOT_UTF8);
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          out.writeBytes(message);
          if (random.nextBoolean()) {
            out.write(0x0a);
            out.write(invalid.length);
            out.writeBytes(invalid);
            how.add("model_name not UTF-8");
          } else {
            out.write(0x2a);
            out.write(invalid.length + 2);
            out.write(0x0a);
            out.write(invalid.length);
            out.writeBytes(invalid);
            how.add("input name not UTF-8");
          }
          return out.toByteArray();
        }
        case 1 -> {
          // a length-delimited field whose length runs far past the end
          byte[] lie = {0x3a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 1, 2};
          how.add("field length past the end");
          return ByteMutations.splice(message, 0, 0, lie);
        }
        default -> {
          return ByteMutations.apply(random, message, how);
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Bytes as printable ASCII for a failure message: {@code \xNN} for the rest, runs of one byte as
   * {@code c{×N}}, cut after 1,500 characters.
   */
  static String printable(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < bytes.length && out.length() < 1500; ) {
      int run = 1;
      while (i + run < bytes.length && bytes[i + run] == bytes[i]) {
        run++;
      }
      int b = bytes[i] & 0xff;
      if (b == '\\') {
        out.append("\\\\");
      } else if (b >= 0x20 && b < 0x7f) {
        out.append((char) b);
      } else {
        out.append(String.format("\\x%02x", b));
      }
      if (run > 8) {
        out.append("{×").append(run).append('}');
        i += run;
      } else {
        i++;
      }
    }
    if (out.length() >= 1500) {
      out.append("… (").append(bytes.length).append(" bytes in all)");
    }
    return out.toString();
  }

  static String printable(String text) {
    return printable(text.getBytes(StandardCharsets.UTF_8));
  }
}
