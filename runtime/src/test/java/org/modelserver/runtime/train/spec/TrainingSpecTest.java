package org.modelserver.runtime.train.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.modelserver.runtime.testsupport.TrainFixtures.CLASSIFIER;
import static org.modelserver.runtime.testsupport.TrainFixtures.REGRESSOR;
import static org.modelserver.runtime.testsupport.TrainFixtures.json;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.testsupport.TrainFixtures;

/** Reading a job's settings: defaults, and a message naming the field for every mistake. */
class TrainingSpecTest {
  private static final String DATASET = "\"dataset\": {\"format\": \"jsonl\", \"data\": \"\"}";

  private static TrainingSpec parse(String fields) {
    return parse(fields, TrainFixtures.config(REGRESSOR));
  }

  private static TrainingSpec parse(String fields, ModelConfig config) {
    return TrainingSpec.parse(json("{" + DATASET + fields + "}"), config);
  }

  private static void assertRejected(String fields, String... messageParts) {
    assertRejected(fields, TrainFixtures.config(REGRESSOR), messageParts);
  }

  private static void assertRejected(String fields, ModelConfig config, String... messageParts) {
    assertThatThrownBy(() -> parse(fields, config))
        .isInstanceOfSatisfying(
            ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .message()
        .contains(messageParts);
  }

  @Test
  void everythingButTheDatasetHasADefault() {
    TrainingSpec spec = parse("");

    assertThat(spec.dataset()).isEqualTo(new DatasetSource.Inline(DatasetFormat.JSONL, ""));
    assertThat(spec.loss()).isEqualTo(LossFunction.MSE);
    assertThat(spec.optimizer()).isEqualTo(new OptimizerSpec(OptimizerSpec.Type.SGD, 0.01, 0, 0));
    assertThat(spec.epochs()).isEqualTo(10);
    assertThat(spec.batchSize()).isEqualTo(32);
    assertThat(spec.shuffle()).isTrue();
    assertThat(spec.seed()).isZero();
    assertThat(spec.validationSplit()).isZero();
    assertThat(spec.earlyStopping()).isEmpty();
    assertThat(spec.freeze()).isEmpty();
    assertThat(spec.output()).isEqualTo("y");
    assertThat(spec.promote()).isEqualTo(Promote.NEVER);
    assertThat(spec.device()).isEqualTo("auto");
  }

  @Test
  void theDeviceIsReadAndCanBeChosen() {
    TrainingSpec spec = parse(", \"device\": \"cuda:1\"");
    assertThat(spec.device()).isEqualTo("cuda:1");
    assertThat(spec.cudaIndex()).isEqualTo(1);
    assertThat(spec.withDevice("cpu").cudaIndex()).isEqualTo(-1);
    assertThat(parse(", \"device\": \"cpu\"").device()).isEqualTo("cpu");
  }

  @Test
  void readsEveryField() {
    TrainingSpec spec =
        TrainingSpec.parse(
            json(
                "{\"dataset\": {\"format\": \"csv\", \"path\": \"sets/points.csv\"},"
                    + " \"loss\": \"bce\", \"optimizer\": {\"type\": \"adamw\", \"lr\": 0.001,"
                    + " \"weight_decay\": 0.05}, \"epochs\": 4, \"batch_size\": 8,"
                    + " \"shuffle\": false, \"seed\": -12345678901, \"validation_split\": 0.25,"
                    + " \"early_stopping\": {\"patience\": 2, \"min_delta\": 0.001},"
                    + " \"freeze\": [\"body.*\", \"head.bias\"], \"output\": \"probability\","
                    + " \"promote\": \"if_better\"}"),
            TrainFixtures.config(CLASSIFIER));

    assertThat(spec.dataset())
        .isEqualTo(new DatasetSource.DataFile(DatasetFormat.CSV, "sets/points.csv"));
    assertThat(spec.loss()).isEqualTo(LossFunction.BCE);
    assertThat(spec.optimizer())
        .isEqualTo(new OptimizerSpec(OptimizerSpec.Type.ADAMW, 0.001, 0, 0.05));
    assertThat(spec.epochs()).isEqualTo(4);
    assertThat(spec.batchSize()).isEqualTo(8);
    assertThat(spec.shuffle()).isFalse();
    assertThat(spec.seed()).isEqualTo(-12345678901L);
    assertThat(spec.validationSplit()).isEqualTo(0.25);
    assertThat(spec.earlyStopping()).contains(new EarlyStopping(2, 0.001));
    assertThat(spec.freeze()).containsExactly("body.*", "head.bias");
    assertThat(spec.output()).isEqualTo("probability");
    assertThat(spec.promote()).isEqualTo(Promote.IF_BETTER);
  }

  @Test
  void sgdTakesMomentumAndAdamWDefaultsToPyTorchsWeightDecay() {
    assertThat(parse(", \"optimizer\": {\"momentum\": 0.9}").optimizer())
        .isEqualTo(new OptimizerSpec(OptimizerSpec.Type.SGD, 0.01, 0.9, 0));
    assertThat(parse(", \"optimizer\": {\"type\": \"adamw\"}").optimizer().weightDecay())
        .isEqualTo(0.01);
    assertThat(parse(", \"early_stopping\": {}, \"validation_split\": 0.1").earlyStopping())
        .contains(new EarlyStopping(5, 0));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "unknown top-level field | , \"version\": 3 | unknown field 'version'",
        "unknown optimizer field | , \"optimizer\": {\"beta\": 1} | unknown field 'optimizer.beta'",
        "unknown device | , \"device\": \"tpu:0\" | 'device' is \"tpu:0\"; expected \"auto\", \"cpu\" or \"cuda:N\"",
        "device not a string | , \"device\": 0 | 'device' is 0",
        "unknown loss | , \"loss\": \"hinge\" | 'loss' is 'hinge'; expected one of mse, l1, bce",
        "loss not a string | , \"loss\": 3 | 'loss' must be a string",
        "unknown optimizer | , \"optimizer\": {\"type\": \"lbfgs\"} | 'optimizer.type' is 'lbfgs'",
        "zero learning rate | , \"optimizer\": {\"lr\": 0} | 'optimizer.lr' must be above 0",
        "negative learning rate | , \"optimizer\": {\"lr\": -0.1} | 'optimizer.lr' must be above 0",
        "infinite learning rate | , \"optimizer\": {\"lr\": 1e999} | 'optimizer.lr' must be a finite"
            + " number",
        "learning rate as text | , \"optimizer\": {\"lr\": \"0.1\"} | 'optimizer.lr' must be a finite",
        "momentum for adam | , \"optimizer\": {\"type\": \"adam\", \"momentum\": 0.9} |"
            + " 'optimizer.momentum' applies to sgd only",
        "momentum of 1 | , \"optimizer\": {\"momentum\": 1} | 'optimizer.momentum' must be from 0",
        "negative weight decay | , \"optimizer\": {\"weight_decay\": -1} |"
            + " 'optimizer.weight_decay' must be 0 or more",
        "negative epochs | , \"epochs\": -3 | 'epochs' must be an integer from 1 to 100000, got -3",
        "zero epochs | , \"epochs\": 0 | 'epochs' must be an integer from 1",
        "fractional epochs | , \"epochs\": 2.5 | 'epochs' must be an integer",
        "huge epochs | , \"epochs\": 99999999999 | 'epochs' must be an integer",
        "zero batch size | , \"batch_size\": 0 | 'batch_size' must be an integer from 1 to 65536",
        "shuffle as text | , \"shuffle\": \"yes\" | 'shuffle' must be true or false",
        "fractional seed | , \"seed\": 1.5 | 'seed' must be a 64-bit integer",
        "validation split of 1 | , \"validation_split\": 1 | 'validation_split' must be from 0 to"
            + " below 1, got 1.0",
        "negative validation split | , \"validation_split\": -0.1 | 'validation_split' must be",
        "early stopping without split | , \"early_stopping\": {\"patience\": 2} |"
            + " 'early_stopping' watches the validation loss; set validation_split above 0",
        "zero patience | , \"validation_split\": 0.2, \"early_stopping\": {\"patience\": 0} |"
            + " 'early_stopping.patience' must be an integer from 1",
        "negative min delta | , \"validation_split\": 0.2, \"early_stopping\": {\"min_delta\": -1}"
            + " | 'early_stopping.min_delta' must be 0 or more",
        "unknown early stopping field | , \"validation_split\": 0.2, \"early_stopping\":"
            + " {\"wait\": 1} | unknown field 'early_stopping.wait'",
        "freeze not a list | , \"freeze\": \"body.*\" | 'freeze' must be an array",
        "freeze entry not a string | , \"freeze\": [1] | 'freeze[0]' must be a string",
        "empty freeze entry | , \"freeze\": [\"\"] | 'freeze[0]' is empty",
        "unknown output | , \"output\": \"z\" | 'output' is 'z', which model 'regressor_torch' does"
            + " not have; expected one of y",
        "unknown promote | , \"promote\": \"sometimes\" | 'promote' is 'sometimes'; expected one of"
            + " never, always, if_better",
        "if_better without split | , \"promote\": \"if_better\" | promote 'if_better' compares"
            + " validation losses",
        "cross entropy on one value | , \"loss\": \"cross_entropy\" | loss cross_entropy needs an"
            + " output of class logits with dims [classes]",
      })
  void mistakesNameTheField(String name, String fields, String message) {
    assertRejected(fields, message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "no dataset | {} | field 'dataset' is required",
        "dataset not an object | {\"dataset\": \"a.jsonl\"} | 'dataset' must be an object",
        "no format | {\"dataset\": {\"data\": \"\"}} | field 'dataset.format' is required",
        "unknown format | {\"dataset\": {\"format\": \"parquet\", \"data\": \"\"}} |"
            + " 'dataset.format' is 'parquet'; expected one of jsonl, csv",
        "data and path | {\"dataset\": {\"format\": \"csv\", \"data\": \"\", \"path\": \"a\"}} |"
            + " needs exactly one of 'data'",
        "neither data nor path | {\"dataset\": {\"format\": \"csv\"}} | needs exactly one of",
        "absolute path | {\"dataset\": {\"format\": \"csv\", \"path\": \"/etc/passwd\"}} |"
            + " dataset.path '/etc/passwd' is absolute",
        "parent path | {\"dataset\": {\"format\": \"csv\", \"path\": \"a/../../b.csv\"}} |"
            + " dataset.path 'a/../../b.csv' contains '..'",
        "unknown dataset field | {\"dataset\": {\"format\": \"csv\", \"url\": \"x\"}} | unknown"
            + " field 'dataset.url'",
        "body not an object | [] | the training settings must be a JSON object",
      })
  void datasetMistakesNameTheField(String name, String body, String message) {
    assertThatThrownBy(() -> TrainingSpec.parse(json(body), TrainFixtures.config(REGRESSOR)))
        .isInstanceOfSatisfying(
            ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessageContaining(message);
  }

  @Test
  void aModelWithSeveralOutputsNeedsOutputNamed() {
    ModelConfig twoOutputs =
        TrainFixtures.config(REGRESSOR).toBuilder()
            .outputs(
                List.of(
                    new TensorSpec("y", DataType.FP32, new long[] {1}),
                    new TensorSpec("z", DataType.FP32, new long[] {1})))
            .build();

    assertRejected("", twoOutputs, "field 'output' is required", "has the outputs y, z");
    assertThat(parse(", \"output\": \"z\"", twoOutputs).output()).isEqualTo("z");
  }

  @Test
  void modelsTheTrainerCannotFeedAreRefused() {
    ModelConfig base = TrainFixtures.config(REGRESSOR);
    assertRejected(
        "", base.toBuilder().maxBatchSize(0).build(), "does not batch (max_batch_size 0)");
    assertRejected(
        "",
        base.toBuilder().platform("onnxruntime_onnx").build(),
        "only TorchScript (pytorch_libtorch) models can be fine-tuned");
    assertRejected(
        "",
        base.toBuilder()
            .inputs(List.of(new TensorSpec("x", DataType.FP32, new long[] {-1})))
            .build(),
        "input 'x' has dims [-1]; the trainer supports only fixed dims");
    assertRejected(
        "",
        base.toBuilder()
            .inputs(List.of(new TensorSpec("x", DataType.FP16, new long[] {1})))
            .build(),
        "input 'x' is TYPE_FP16; the trainer supports TYPE_FP32 and TYPE_INT64 inputs");
    assertRejected(
        "",
        base.toBuilder()
            .outputs(List.of(new TensorSpec("y", DataType.INT64, new long[] {1})))
            .build(),
        "output 'y' is TYPE_INT64; the trained output must be TYPE_FP32");
  }
}
