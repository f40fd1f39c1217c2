package org.modelserver.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.server.fuzz.Printable.printable;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
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
import org.modelserver.grpc.v2.ModelInferResponse;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.Messages;
import org.modelserver.server.RunningServer;
import org.modelserver.server.TestRepos;
import org.modelserver.server.grpc.GrpcTestClient;
import org.modelserver.server.grpc.RawMessages;
import tools.jackson.databind.JsonNode;

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

  private static final MethodDescriptor<byte[], byte[]> MODEL_INFER =
      RawMessages.method("ModelInfer");

  private static RunningServer server;
  private static HttpTestClient http;
  private static ManagedChannel channel;
  static List<Seed> seeds;

  @BeforeAll
  static void start() {
    server =
        RunningServer.start(
            "--model-repository=" + TestRepos.exampleRepo(),
            "--model-control-mode=explicit",
            "--load-model=" + String.join(",", Corpus.MODELS));
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
            .modelInfer(GrpcTestClient.classifierRequest(""));
    assertThat(grpc.getOutputs(0).getShapeList())
        .as("gRPC inference " + when)
        .containsExactly(1L, 3L);
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
}
