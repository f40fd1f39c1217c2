package org.modelserver.server.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.modelserver.runtime.testsupport.TrainFixtures.lineJsonl;
import static org.modelserver.runtime.testsupport.TrainFixtures.separableJsonl;
import static org.modelserver.runtime.testsupport.TrainFixtures.separablePoints;
import static org.modelserver.server.training.TrainingServer.CLASSIFIER;
import static org.modelserver.server.training.TrainingServer.REGRESSOR;
import static org.modelserver.server.training.TrainingServer.settings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.server.HttpTestClient;
import tools.jackson.databind.JsonNode;

/**
 * What fine-tuning produces, through the real HTTP API: the new versions answer inference as the
 * training data says they should, frozen parameters keep their bits, seeds repeat, and {@code
 * if_better} promotes only what beats the base.
 */
class TrainingResultsTest {
  private static final String LINE_SETTINGS =
      "{\"optimizer\": {\"type\": \"sgd\", \"lr\": 0.1}, \"epochs\": 40, \"seed\": 1}";

  @TempDir Path repo;

  @Test
  void regressorTunedOnALinePredictsItThroughTheInferApi() {
    // Explicit mode: publishing works without the load API being asked.
    try (TrainingServer server =
        TrainingServer.withModels(
            repo, new String[] {REGRESSOR}, "--model-control-mode=explicit", "--load-model=*")) {
      long version =
          server.train(
              "/v2/models/" + REGRESSOR + "/finetune",
              settings(lineJsonl(256, 1, 10, 3), LINE_SETTINGS));

      assertThat(version).isEqualTo(2);
      float[][] xs = {{-2}, {-0.5f}, {0}, {0.25f}, {1}, {3}};
      float[] ys = server.infer("/v2/models/" + REGRESSOR + "/versions/2/infer", "x", xs);
      for (int i = 0; i < xs.length; i++) {
        assertThat(ys[i]).as("y(%s)", xs[i][0]).isCloseTo(10 * xs[i][0] + 3, within(0.01f));
      }
      Path folder = repo.resolve(REGRESSOR).resolve("2");
      assertThat(folder.resolve("model.pt")).isRegularFile();
      assertThat(folder.resolve("config.yaml"))
          .hasSameTextualContentAs(repo.resolve(REGRESSOR).resolve("config.yaml"));
      JsonNode manifest = HttpTestClient.JSON.readTree(folder.resolve("training.json").toFile());
      assertThat(manifest.get("parent").get("version").stringValue()).isEqualTo("1");
      assertThat(manifest.get("dataset").get("samples").intValue()).isEqualTo(256);
      assertThat(manifest.get("metrics").get("final_train_loss").doubleValue()).isLessThan(1e-4);
    }
  }

  @Test
  void binaryClassifierTunedWithBceSeparatesHeldOutPoints() {
    try (TrainingServer server = TrainingServer.withModels(repo, new String[] {CLASSIFIER})) {
      String rest =
          "{\"loss\": \"bce\", \"optimizer\": {\"type\": \"adam\", \"lr\": 0.05},"
              + " \"epochs\": 30, \"validation_split\": 0.2, \"seed\": 7}";
      long version =
          server.train(
              "/v2/models/" + CLASSIFIER + "/versions/1/finetune",
              settings(separableJsonl(separablePoints(500, 11)), rest));

      float[][] heldOut = separablePoints(400, 99);
      float[][] features = new float[heldOut.length][];
      for (int i = 0; i < heldOut.length; i++) {
        features[i] = new float[] {heldOut[i][0], heldOut[i][1]};
      }
      // max_batch_size is 64: ask in slices.
      int correct = 0;
      for (int from = 0; from < features.length; from += 50) {
        float[][] slice = java.util.Arrays.copyOfRange(features, from, from + 50);
        float[] probabilities =
            server.infer(
                "/v2/models/" + CLASSIFIER + "/versions/" + version + "/infer", "features", slice);
        for (int i = 0; i < slice.length; i++) {
          correct += (probabilities[i] > 0.5f ? 1 : 0) == (int) heldOut[from + i][2] ? 1 : 0;
        }
      }
      assertThat(correct / (double) heldOut.length).isGreaterThanOrEqualTo(0.95);
    }
  }

  @Test
  void frozenParametersAreBitIdenticalAndTheStatusListsWhatTrained() {
    try (TrainingServer server = TrainingServer.withModels(repo, new String[] {CLASSIFIER})) {
      String rest =
          "{\"loss\": \"bce\", \"freeze\": [\"body.*\"], \"epochs\": 3,"
              + " \"optimizer\": {\"type\": \"adam\", \"lr\": 0.05}}";
      String id =
          server.startJob(
              "/v2/models/" + CLASSIFIER + "/finetune",
              settings(separableJsonl(separablePoints(200, 5)), rest));
      JsonNode job = server.awaitFinished(id);
      assertThat(job.get("state").stringValue()).as(job.toString()).isEqualTo("succeeded");
      assertThat(job.get("trained_parameters").toString())
          .isEqualTo("[\"head.weight\",\"head.bias\"]");
      assertThat(job.get("frozen_parameters").toString())
          .isEqualTo("[\"body.0.weight\",\"body.0.bias\"]");

      Map<String, float[]> before = server.parameters(CLASSIFIER, 1);
      Map<String, float[]> after = server.parameters(CLASSIFIER, 2);
      for (String name : new String[] {"body.0.weight", "body.0.bias"}) {
        assertBitIdentical(after.get(name), before.get(name), name);
      }
      assertThat(after.get("head.weight")).isNotEqualTo(before.get("head.weight"));
    }
  }

  @Test
  void theSameSeedGivesTheSameWeightsTwice() {
    try (TrainingServer server = TrainingServer.withModels(repo, new String[] {CLASSIFIER})) {
      JsonNode settings =
          settings(
              separableJsonl(separablePoints(300, 21)),
              "{\"loss\": \"bce\", \"optimizer\": {\"type\": \"adam\", \"lr\": 0.02},"
                  + " \"epochs\": 3, \"batch_size\": 16, \"validation_split\": 0.25,"
                  + " \"seed\": 42}");
      String url = "/v2/models/" + CLASSIFIER + "/versions/1/finetune";
      long first = server.train(url, settings);
      long second = server.train(url, settings);

      Map<String, float[]> a = server.parameters(CLASSIFIER, first);
      Map<String, float[]> b = server.parameters(CLASSIFIER, second);
      assertThat(b.keySet()).containsExactlyElementsOf(a.keySet());
      for (String name : a.keySet()) {
        assertBitIdentical(b.get(name), a.get(name), name);
      }
      assertThat(a.get("head.weight"))
          .isNotEqualTo(server.parameters(CLASSIFIER, 1).get("head.weight"));
    }
  }

  @Test
  void ifBetterPromotesABetterVersionAndLeavesAWorseOneUnpromoted() throws Exception {
    try (TrainingServer server = TrainingServer.withModels(repo, new String[] {REGRESSOR})) {
      String url = "/v2/models/" + REGRESSOR + "/finetune";
      assertThat(server.defaultVersion(REGRESSOR)).isEqualTo(1);

      // The base (y = 0.5x - 1) is 0.5 below these targets; one SGD step of lr 3 overshoots the
      // bias to 1.0 above them, so the tuned version is worse on the held-out samples.
      String worse =
          "{\"optimizer\": {\"type\": \"sgd\", \"lr\": 3}, \"epochs\": 1, \"batch_size\": 1000,"
              + " \"validation_split\": 0.25, \"promote\": \"if_better\"}";
      JsonNode rejected =
          server.awaitFinished(
              server.startJob(url, settings(lineJsonl(200, 3, 0.5f, -0.5f), worse)));
      assertThat(rejected.get("state").stringValue())
          .as(rejected.toString())
          .isEqualTo("succeeded");
      assertThat(rejected.get("promoted").booleanValue()).isFalse();
      assertThat(rejected.get("val_loss").get(0).doubleValue())
          .isGreaterThan(rejected.get("base_val_loss").doubleValue());
      assertThat(rejected.get("output").get("version").stringValue()).isEqualTo("2");
      assertThat(server.defaultVersion(REGRESSOR)).isEqualTo(1);
      assertThat(inferredVersion(server)).isEqualTo("1");

      String better =
          "{\"optimizer\": {\"type\": \"sgd\", \"lr\": 0.1}, \"epochs\": 20,"
              + " \"validation_split\": 0.25, \"promote\": \"if_better\"}";
      JsonNode promoted =
          server.awaitFinished(server.startJob(url, settings(lineJsonl(200, 4, 10, 3), better)));
      assertThat(promoted.get("state").stringValue())
          .as(promoted.toString())
          .isEqualTo("succeeded");
      assertThat(promoted.get("promoted").booleanValue()).isTrue();
      assertThat(promoted.get("output").get("version").stringValue()).isEqualTo("3");
      assertThat(server.defaultVersion(REGRESSOR)).isEqualTo(3);
      assertThat(inferredVersion(server)).isEqualTo("3");
      assertThat(Files.isDirectory(repo.resolve(REGRESSOR).resolve("2"))).isTrue();
    }
  }

  /** The version that answers a request naming none. */
  private static String inferredVersion(TrainingServer server) {
    HttpTestClient.Reply reply =
        server.http.post(
            "/v2/models/" + REGRESSOR + "/infer",
            "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,1],\"datatype\":\"FP32\",\"data\":[1]}]}");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    return reply.json().get("model_version").stringValue();
  }

  private static void assertBitIdentical(float[] actual, float[] expected, String what) {
    assertThat(actual.length).as(what).isEqualTo(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat(Float.floatToRawIntBits(actual[i]))
          .as("%s element %d: %s vs %s", what, i, actual[i], expected[i])
          .isEqualTo(Float.floatToRawIntBits(expected[i]));
    }
  }
}
