package org.modelserver.server.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.runtime.testsupport.TrainFixtures.lineJsonl;
import static org.modelserver.server.training.TrainingServer.REGRESSOR;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.modelserver.server.HttpTestClient;
import tools.jackson.databind.node.ObjectNode;

/**
 * Requests the trainer refuses before any job exists: 400 naming the problem (413 for an oversize
 * body), never a 500. One server for all of them: refusals change nothing.
 */
class TrainingRequestErrorsTest {
  private static final String FINETUNE = "/v2/models/" + REGRESSOR + "/finetune";

  @TempDir static Path repo;
  private static TrainingServer server;

  @BeforeAll
  static void start() {
    server =
        TrainingServer.withModels(
            repo, new String[] {REGRESSOR, "classifier"}, "--max-request-size=64KB");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static ObjectNode inline(String data) {
    ObjectNode settings = HttpTestClient.JSON.createObjectNode();
    settings.putObject("dataset").put("format", "jsonl").put("data", data);
    return settings;
  }

  private static void assertRefused(HttpTestClient.Reply reply, int status, String message) {
    assertThat(reply.status()).as(reply.body()).isEqualTo(status);
    assertThat(reply.error()).contains(message);
    assertThat(server.http.get("/v2/training/jobs").json().get("jobs")).isEmpty();
  }

  @Test
  void unknownModelIs400() {
    assertRefused(
        server.http.post("/v2/models/nope/finetune", inline(lineJsonl(4, 1, 1, 0))),
        400,
        "unknown model 'nope'");
  }

  @Test
  void unknownVersionIs400() {
    assertRefused(
        server.http.post(
            "/v2/models/" + REGRESSOR + "/versions/9/finetune", inline(lineJsonl(4, 1, 1, 0))),
        400,
        "no version 9");
  }

  @Test
  void onnxModelIs400() {
    assertRefused(
        server.http.post("/v2/models/classifier/finetune", inline("{}")),
        400,
        "only TorchScript models (pytorch_libtorch) can be fine-tuned");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      textBlock =
          """
          unknown loss         | "loss": "hinge"                      | 'loss' is 'hinge'; expected one of mse, l1, bce
          unknown optimizer    | "optimizer": {"type": "lbfgs"}       | 'optimizer.type' is 'lbfgs'
          negative rate        | "optimizer": {"lr": -1}              | 'optimizer.lr' must be above 0
          zero epochs          | "epochs": 0                          | 'epochs' must be an integer from 1
          unknown field        | "epoch": 3                           | unknown field 'epoch'
          unknown promote      | "promote": "maybe"                   | 'promote' is 'maybe'
          if_better alone      | "promote": "if_better"               | set validation_split above 0
          unknown output       | "output": "z"                        | 'output' is 'z'
          unknown device       | "device": "tpu"                      | expected "auto", "cpu" or "cuda:N"
          GPU without one      | "device": "cuda:7"                   | 'device' is 'cuda:7', but
          """)
  void badSettingsAre400(String what, String field, String message) {
    String body =
        "{\"dataset\": {\"format\": \"jsonl\", \"data\": "
            + HttpTestClient.JSON.writeValueAsString(lineJsonl(8, 1, 1, 0))
            + "}, "
            + field
            + "}";
    assertRefused(server.http.post(FINETUNE, body), 400, message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      textBlock =
          """
          too many values      | {"x": [1, 2], "target": [3]}        | line 1
          missing target       | {"x": [1]}                          | line 1
          unknown key          | {"x": [1], "z": 2, "target": [3]}   | line 1
          infinite value       | {"x": [1e999], "target": [3]}       | line 1
          not json             | x=1                                 | line 1
          """)
  void datasetsThatDoNotFitAre400(String what, String line, String message) {
    assertRefused(server.http.post(FINETUNE, inline(line + "\n")), 400, message);
  }

  @Test
  void emptyDatasetIs400() {
    assertRefused(server.http.post(FINETUNE, inline("")), 400, "dataset has no samples");
  }

  @Test
  void nonFiniteNumbersAre400() {
    assertRefused(
        server.http.post(FINETUNE, inline("{\"x\": [1], \"target\": [1e400]}\n")), 400, "finite");
  }

  @Test
  void aSplitThatLeavesNothingToTrainOnIs400() {
    ObjectNode settings = inline(lineJsonl(1, 1, 1, 0));
    settings.put("validation_split", 0.5);
    assertRefused(server.http.post(FINETUNE, settings), 400, "leaves none to train on");
  }

  @Test
  void malformedOrMissingBodiesAre400() {
    assertRefused(server.http.post(FINETUNE, "{\"dataset\": "), 400, "not valid JSON");
    assertRefused(server.http.post(FINETUNE, "[1, 2]"), 400, "must be a JSON object");
    assertRefused(server.http.post(FINETUNE, ""), 400, "the request has no body");
    assertRefused(server.http.post(FINETUNE, "{}"), 400, "field 'dataset' is required");
    assertRefused(
        server.http.post(FINETUNE, "{\"dataset\": {\"format\": \"jsonl\"}, \"dataset\": {}}"),
        400,
        "Duplicate Object property \"dataset\"");
    assertRefused(
        server.http.post("/v2/models/" + REGRESSOR + "/versions/x1/finetune", "{}"),
        400,
        "model version 'x1' is not valid");
  }

  private static HttpTestClient.Reply multipart(String name, String filename, String content) {
    String body =
        "--b\r\nContent-Disposition: form-data; name=\""
            + name
            + "\"; filename=\""
            + filename
            + "\"\r\nContent-Type: text/plain\r\n\r\n"
            + content
            + "\r\n--b--\r\n";
    return server.http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.managementPort() + FINETUNE))
            .header("Content-Type", "multipart/form-data; boundary=b")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  @Test
  void multipartRequestsNeedADatasetPartOfAKnownFormat() {
    assertRefused(multipart("data", "line.jsonl", "{}"), 400, "unknown part 'data'");
    assertRefused(multipart("dataset", "line.txt", lineJsonl(4, 1, 1, 0)), 400, "*.jsonl or *.csv");
    assertRefused(multipart("dataset", "line.csv", "x,target\n"), 400, "dataset has no samples");
  }

  @Test
  void aMultipartBodyOverTheRequestLimitIs413() {
    HttpTestClient.Reply reply = multipart("dataset", "big.jsonl", lineJsonl(2000, 1, 1, 0));
    assertThat(reply.status()).as(reply.body()).isEqualTo(413);
    assertThat(reply.error()).contains("max-request-size");
  }

  @Test
  void aBodyOverTheRequestLimitIs413() {
    assertRefused(
        server.http.post(FINETUNE, inline(lineJsonl(2000, 1, 1, 0))), 413, "max-request-size");
  }
}
