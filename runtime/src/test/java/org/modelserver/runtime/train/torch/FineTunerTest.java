package org.modelserver.runtime.train.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.modelserver.runtime.testsupport.TrainFixtures.CLASSIFIER;
import static org.modelserver.runtime.testsupport.TrainFixtures.REGRESSOR;
import static org.modelserver.runtime.testsupport.TrainFixtures.assertBitIdentical;
import static org.modelserver.runtime.testsupport.TrainFixtures.linearCsv;
import static org.modelserver.runtime.testsupport.TrainFixtures.linearJsonl;
import static org.modelserver.runtime.testsupport.TrainFixtures.modelFile;
import static org.modelserver.runtime.testsupport.TrainFixtures.parameters;
import static org.modelserver.runtime.testsupport.TrainFixtures.predict;
import static org.modelserver.runtime.testsupport.TrainFixtures.run;
import static org.modelserver.runtime.testsupport.TrainFixtures.separableJsonl;
import static org.modelserver.runtime.testsupport.TrainFixtures.separablePoints;
import static org.modelserver.runtime.testsupport.TrainFixtures.settings;
import static org.modelserver.runtime.testsupport.TrainFixtures.spec;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.testsupport.TrainFixtures;
import org.modelserver.runtime.train.spec.TrainingSpec;

/** Fine-tuning the example TorchScript models on real libtorch. */
class FineTunerTest {
  private static final String REGRESSION = ", \"optimizer\": {\"type\": \"sgd\", \"lr\": 0.1}";

  @TempDir Path dir;

  @Test
  void regressorLearnsALineFromJsonl() {
    TrainingSpec spec =
        spec(REGRESSOR, settings("jsonl", linearJsonl(256, 1), REGRESSION + ", \"epochs\": 40"));
    Path output = dir.resolve("tuned.pt");

    FineTuneResult result = run(REGRESSOR, spec, output);

    assertPredictsTheLine(output);
    assertThat(result.outputFile()).isEqualTo(output);
    assertThat(result.epochs()).hasSize(40);
    assertThat(result.samplesTrained()).isEqualTo(40 * 256);
    assertThat(result.trainedParameters()).containsExactly("weight", "bias");
    assertThat(result.frozenParameters()).isEmpty();
    assertThat(result.finalTrainLoss()).isLessThan(1e-4);
    assertThat(result.baseValidationLoss()).isNaN();
    assertThat(result.stoppedEarly()).isFalse();
  }

  @Test
  void regressorLearnsALineFromCsv() {
    TrainingSpec spec =
        spec(REGRESSOR, settings("csv", linearCsv(256, 2), REGRESSION + ", \"epochs\": 40"));
    Path output = dir.resolve("tuned.pt");

    run(REGRESSOR, spec, output);

    assertPredictsTheLine(output);
  }

  private static void assertPredictsTheLine(Path model) {
    float[][] xs = {{-2}, {-0.5f}, {0}, {0.25f}, {1}, {3}};
    float[] ys = predict(REGRESSOR, model, "x", xs);
    for (int i = 0; i < xs.length; i++) {
      assertThat(ys[i]).as("y(%s)", xs[i][0]).isCloseTo(10 * xs[i][0] + 3, within(0.01f));
    }
  }

  @Test
  void baseModelIsLeftUnchanged() {
    Map<String, float[]> before = parameters(modelFile(REGRESSOR));
    run(REGRESSOR, spec(REGRESSOR, settings("jsonl", linearJsonl(64, 3), "")), dir.resolve("a.pt"));

    Map<String, float[]> after = parameters(modelFile(REGRESSOR));
    assertBitIdentical(after.get("weight"), before.get("weight"), "weight");
    assertThat(before.get("weight")).containsExactly(0.5f);
    assertThat(before.get("bias")).containsExactly(-1f);
  }

  @Test
  void theEnsemblesHeadFineTunesWithItsBodyFrozen() {
    StringBuilder jsonl = new StringBuilder();
    java.util.Random random = new java.util.Random(3);
    for (int i = 0; i < 60; i++) {
      float[] features = new float[6];
      for (int j = 0; j < 6; j++) {
        features[j] = random.nextFloat() * 2 - 1;
      }
      int label = features[0] > 0 ? 0 : features[1] > 0 ? 1 : 2;
      float[] target = new float[3];
      target[label] = 1;
      jsonl
          .append("{\"features\": ")
          .append(java.util.Arrays.toString(features))
          .append(", \"target\": ")
          .append(java.util.Arrays.toString(target))
          .append("}\n");
    }
    String rest =
        ", \"loss\": \"mse\", \"freeze\": [\"body.*\"], \"epochs\": 2,"
            + " \"optimizer\": {\"type\": \"adam\", \"lr\": 0.01}";
    TrainingSpec spec = spec("classifier_head", settings("jsonl", jsonl.toString(), rest));
    Path output = dir.resolve("head.pt");

    FineTuneResult result = run("classifier_head", spec, output);

    assertThat(result.trainedParameters()).containsExactly("head.weight", "head.bias");
    assertThat(result.frozenParameters()).containsExactly("body.0.weight", "body.0.bias");
    float[] probabilities =
        predict("classifier_head", output, "features", new float[][] {{0, 0, 0, 0, 0, 0}});
    assertThat(probabilities[0] + probabilities[1] + probabilities[2]).isCloseTo(1f, within(1e-5f));
  }

  @Test
  void binaryClassifierSeparatesHeldOutPoints() {
    String rest =
        ", \"loss\": \"bce\", \"optimizer\": {\"type\": \"adam\", \"lr\": 0.05},"
            + " \"epochs\": 30, \"validation_split\": 0.2, \"seed\": 7";
    TrainingSpec spec =
        spec(CLASSIFIER, settings("jsonl", separableJsonl(separablePoints(500, 11)), rest));
    Path output = dir.resolve("classifier.pt");

    FineTuneResult result = run(CLASSIFIER, spec, output);

    float[][] heldOut = separablePoints(400, 99);
    float[][] features = new float[heldOut.length][];
    for (int i = 0; i < heldOut.length; i++) {
      features[i] = new float[] {heldOut[i][0], heldOut[i][1]};
    }
    float[] probabilities = predict(CLASSIFIER, output, "features", features);
    int correct = 0;
    for (int i = 0; i < heldOut.length; i++) {
      correct += (probabilities[i] > 0.5f ? 1 : 0) == (int) heldOut[i][2] ? 1 : 0;
    }
    assertThat(correct / (double) heldOut.length).isGreaterThanOrEqualTo(0.95);
    assertThat(result.finalValidationLoss()).isLessThan(result.baseValidationLoss());
    assertThat(result.improvedOnBase()).isTrue();
    assertThat(result.samplesTrained()).isEqualTo(30 * 400);
  }

  @Test
  void frozenParametersKeepTheirExactValues() {
    String rest =
        ", \"loss\": \"bce\", \"freeze\": [\"body.*\"], \"epochs\": 3,"
            + " \"optimizer\": {\"type\": \"adam\", \"lr\": 0.05}";
    TrainingSpec spec =
        spec(CLASSIFIER, settings("jsonl", separableJsonl(separablePoints(200, 5)), rest));
    Path output = dir.resolve("frozen.pt");

    FineTuneResult result = run(CLASSIFIER, spec, output);

    assertThat(result.trainedParameters()).containsExactly("head.weight", "head.bias");
    assertThat(result.frozenParameters()).containsExactly("body.0.weight", "body.0.bias");
    Map<String, float[]> before = parameters(modelFile(CLASSIFIER));
    Map<String, float[]> after = parameters(output);
    assertThat(after.keySet()).containsExactlyElementsOf(before.keySet());
    assertBitIdentical(after.get("body.0.weight"), before.get("body.0.weight"), "body.0.weight");
    assertBitIdentical(after.get("body.0.bias"), before.get("body.0.bias"), "body.0.bias");
    assertThat(after.get("head.weight")).isNotEqualTo(before.get("head.weight"));
    assertThat(after.get("head.bias")).isNotEqualTo(before.get("head.bias"));
  }

  @Test
  void sameSeedGivesBitIdenticalWeightsAndAnotherSeedDoesNot() {
    String data = separableJsonl(separablePoints(300, 21));
    String common =
        ", \"loss\": \"bce\", \"optimizer\": {\"type\": \"adam\", \"lr\": 0.02}, \"epochs\": 3,"
            + " \"batch_size\": 16, \"validation_split\": 0.25, \"seed\": ";
    Path first = dir.resolve("first.pt");
    Path second = dir.resolve("second.pt");
    Path other = dir.resolve("other.pt");

    run(CLASSIFIER, spec(CLASSIFIER, settings("jsonl", data, common + "42")), first);
    run(CLASSIFIER, spec(CLASSIFIER, settings("jsonl", data, common + "42")), second);
    run(CLASSIFIER, spec(CLASSIFIER, settings("jsonl", data, common + "43")), other);

    Map<String, float[]> a = parameters(first);
    Map<String, float[]> b = parameters(second);
    Map<String, float[]> c = parameters(other);
    for (String name : a.keySet()) {
      assertBitIdentical(b.get(name), a.get(name), name);
    }
    assertThat(c.get("head.weight")).isNotEqualTo(a.get("head.weight"));
  }

  @Test
  void listenerHearsEveryStepAndEpoch() {
    String rest = ", \"epochs\": 3, \"batch_size\": 10, \"validation_split\": 0.2";
    TrainingSpec spec = spec(REGRESSOR, settings("jsonl", linearJsonl(50, 4), rest));
    List<String> steps = new ArrayList<>();
    List<EpochMetrics> epochs = new ArrayList<>();
    TrainingListener listener =
        new TrainingListener() {
          @Override
          public void onStep(int epoch, int step, double loss) {
            steps.add(epoch + ":" + step);
          }

          @Override
          public void onEpoch(EpochMetrics metrics) {
            epochs.add(metrics);
          }
        };

    FineTuneResult result =
        new FineTuner(TrainFixtures.engine())
            .run(
                modelFile(REGRESSOR),
                TrainFixtures.config(REGRESSOR),
                spec,
                TrainFixtures.data(REGRESSOR, spec),
                dir.resolve("listened.pt"),
                listener,
                () -> false);

    // 40 training samples in batches of 10: four steps per epoch.
    assertThat(steps)
        .containsExactly(
            "1:1", "1:2", "1:3", "1:4", "2:1", "2:2", "2:3", "2:4", "3:1", "3:2", "3:3", "3:4");
    assertThat(epochs).containsExactlyElementsOf(result.epochs());
    assertThat(epochs).extracting(EpochMetrics::epoch).containsExactly(1, 2, 3);
    assertThat(epochs).allSatisfy(metrics -> assertThat(metrics.samples()).isEqualTo(40));
    assertThat(epochs).allSatisfy(metrics -> assertThat(metrics.validationLoss()).isFinite());
    assertThat(result.baseValidationLoss()).isGreaterThan(result.finalValidationLoss());
    assertThat(result.samplesPerSecond()).isPositive();
  }

  @Test
  void cancellationStopsAndLeavesNoFile() {
    TrainingSpec spec = spec(REGRESSOR, settings("jsonl", linearJsonl(64, 5), ""));
    Path output = dir.resolve("cancelled.pt");
    FineTuner tuner = new FineTuner(TrainFixtures.engine());

    assertThatThrownBy(
            () ->
                tuner.run(
                    modelFile(REGRESSOR),
                    TrainFixtures.config(REGRESSOR),
                    spec,
                    TrainFixtures.data(REGRESSOR, spec),
                    output,
                    TrainingListener.NONE,
                    TrainFixtures.cancelAtPoll(3)))
        .isInstanceOf(CancellationException.class)
        .hasMessageContaining("epoch 2 step 1");
    assertThat(dir).isEmptyDirectory();
  }

  @ParameterizedTest(name = "poll {0}")
  @CsvSource({"21, before the model was written", "22, while the model was written"})
  void cancellationAfterTheLastStepLeavesNoFile(int poll, String when) {
    // 64 samples in batches of 32 for 10 epochs: polls 1 to 20 come before the steps.
    TrainingSpec spec = spec(REGRESSOR, settings("jsonl", linearJsonl(64, 5), ""));
    FineTuner tuner = new FineTuner(TrainFixtures.engine());

    assertThatThrownBy(
            () ->
                tuner.run(
                    modelFile(REGRESSOR),
                    TrainFixtures.config(REGRESSOR),
                    spec,
                    TrainFixtures.data(REGRESSOR, spec),
                    dir.resolve("cancelled.pt"),
                    TrainingListener.NONE,
                    TrainFixtures.cancelAtPoll(poll)))
        .isInstanceOf(CancellationException.class)
        .hasMessage("fine-tuning cancelled " + when);
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void earlyStoppingEndsTheRunBeforeItsLastEpoch() {
    // No epoch after the first can improve on it by 1000, so the run stops after 1 + patience.
    String rest =
        REGRESSION
            + ", \"epochs\": 50, \"validation_split\": 0.25,"
            + " \"early_stopping\": {\"patience\": 2, \"min_delta\": 1000}";
    TrainingSpec spec = spec(REGRESSOR, settings("jsonl", linearJsonl(80, 6), rest));

    FineTuneResult result = run(REGRESSOR, spec, dir.resolve("early.pt"));

    assertThat(result.epochs()).hasSize(3);
    assertThat(result.stoppedEarly()).isTrue();
    assertThat(dir.resolve("early.pt")).isRegularFile();
  }

  @Test
  void divergingLossFailsWithAdvice() {
    String rest = ", \"optimizer\": {\"type\": \"sgd\", \"lr\": 1e30}, \"epochs\": 20";
    TrainingSpec spec = spec(REGRESSOR, settings("jsonl", linearJsonl(64, 7), rest));

    assertThatThrownBy(() -> run(REGRESSOR, spec, dir.resolve("nan.pt")))
        .isInstanceOfSatisfying(
            ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessageContaining("loss became")
        .hasMessageContaining("at epoch 1 step")
        .hasMessageContaining("lower optimizer.lr");
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void freezePatternMatchingNothingNamesTheParameters() {
    String rest = ", \"loss\": \"bce\", \"freeze\": [\"encoder.*\"]";
    TrainingSpec spec =
        spec(CLASSIFIER, settings("jsonl", separableJsonl(separablePoints(20, 1)), rest));

    assertThatThrownBy(() -> run(CLASSIFIER, spec, dir.resolve("x.pt")))
        .isInstanceOfSatisfying(
            ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessageContaining("'encoder.*' matches no parameter")
        .hasMessageContaining("body.0.weight, body.0.bias, head.weight, head.bias");
  }

  @Test
  void freezingEveryParameterIsRefused() {
    String rest = ", \"freeze\": [\"*\"]";
    TrainingSpec spec = spec(REGRESSOR, settings("jsonl", linearJsonl(8, 1), rest));

    assertThatThrownBy(() -> run(REGRESSOR, spec, dir.resolve("x.pt")))
        .isInstanceOf(ServingException.class)
        .hasMessageContaining("match every parameter");
  }

  @Test
  void repeatedRunsReleaseTheirNativeArrays() {
    TrainingSpec spec = spec(REGRESSOR, settings("jsonl", linearJsonl(64, 8), ", \"epochs\": 2"));
    run(REGRESSOR, spec, dir.resolve("warm.pt"));
    int before = managedArrays();

    for (int i = 0; i < 3; i++) {
      run(REGRESSOR, spec, dir.resolve("run" + i + ".pt"));
    }

    assertThat(managedArrays()).isEqualTo(before);
  }

  /** Arrays held by libtorch's system manager and every manager below it (models, trainers). */
  private static int managedArrays() {
    try (NDManager probe = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      return probe.getParentManager().getManagedArrays().size();
    }
  }
}
