package org.modelserver.server.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.runtime.testsupport.TrainFixtures.lineJsonl;
import static org.modelserver.server.training.TrainingServer.REGRESSOR;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.server.HttpTestClient;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code --max-training-jobs=0}: the replica only serves. Every training endpoint answers 409
 * naming the option, inference is untouched, and the training folder is never created.
 */
class ServeOnlyReplicaTest {
  private static final String MESSAGE =
      "fine-tuning is disabled on this replica (--max-training-jobs=0)";

  @TempDir static Path repo;
  private static TrainingServer server;

  @BeforeAll
  static void start() {
    server = TrainingServer.withModels(repo, new String[] {REGRESSOR}, "--max-training-jobs=0");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static void assertDisabled(HttpTestClient.Reply reply) {
    assertThat(reply.status()).as(reply.body()).isEqualTo(409);
    assertThat(reply.error()).startsWith(MESSAGE);
  }

  @Test
  void startingAJobIs409NamingTheOption() {
    ObjectNode settings = HttpTestClient.JSON.createObjectNode();
    settings.putObject("dataset").put("format", "jsonl").put("data", lineJsonl(8, 1, 10, 3));
    assertDisabled(server.http.post("/v2/models/" + REGRESSOR + "/finetune", settings));
    assertDisabled(server.http.post("/v2/models/" + REGRESSOR + "/versions/1/finetune", settings));
  }

  @Test
  void theTrainingDisabledAnswerComesBeforeTheRequestIsJudged() {
    assertDisabled(server.http.post("/v2/models/nope/finetune", "not json"));
  }

  @Test
  void listingReadingFollowingAndCancellingJobsAre409() {
    String id = "0123456789abcdef01234567";
    assertDisabled(server.http.get("/v2/training/jobs"));
    assertDisabled(server.http.get("/v2/training/jobs/" + id));
    assertDisabled(server.http.get("/v2/training/jobs/" + id + "/events"));
    assertDisabled(server.http.post("/v2/training/jobs/" + id + "/cancel", ""));
  }

  @Test
  void theReplicaServesAndLeavesTheTrainingFolderAlone() {
    HttpTestClient.Reply reply =
        server.http.post(
            "/v2/models/" + REGRESSOR + "/infer",
            "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,1],\"datatype\":\"FP32\",\"data\":[0.5]}]}");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    assertThat(repo.resolve(".training")).doesNotExist();
  }
}
