package org.modelserver.server.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.runtime.testsupport.TrainFixtures.lineJsonl;
import static org.modelserver.server.training.TrainingServer.REGRESSOR;
import static org.modelserver.server.training.TrainingServer.settings;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.server.TestRepos;
import tools.jackson.databind.JsonNode;

/** A job that finishes after an operator unloaded its model publishes nothing and loads nothing. */
class TrainingAfterUnloadTest {
  @TempDir Path repo;

  @Test
  void aJobFinishingAfterItsModelWasUnloadedFailsAndLeavesTheModelUnloaded() throws Exception {
    TestRepos.copyModel(REGRESSOR, repo);
    try (TrainingServer server =
        TrainingServer.start(repo, "--model-control-mode=explicit", "--load-model=*")) {
      String id =
          server.startJob(
              "/v2/models/" + REGRESSOR + "/finetune",
              settings(lineJsonl(200, 7, 10, 3), "{\"epochs\": 40, \"batch_size\": 4}"));
      server.awaitTraining(id);
      assertThat(server.http.post("/v2/repository/models/" + REGRESSOR + "/unload", "{}").status())
          .isEqualTo(200);

      JsonNode job = server.awaitFinished(id);

      assertThat(job.get("state").stringValue()).as(job.toString()).isEqualTo("failed");
      assertThat(job.get("error").stringValue()).contains("unloaded", "nothing was published");
      assertThat(server.http.get("/v2/models/" + REGRESSOR + "/ready").status()).isNotEqualTo(200);
      assertThat(Files.exists(repo.resolve(REGRESSOR).resolve("2"))).isFalse();
    }
  }
}
