package org.modelserver.runtime.train.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.modelserver.runtime.testsupport.TrainFixtures.CLASSIFIER;
import static org.modelserver.runtime.testsupport.TrainFixtures.REGRESSOR;
import static org.modelserver.runtime.testsupport.TrainFixtures.json;
import static org.modelserver.runtime.testsupport.TrainFixtures.utf8;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.testsupport.TrainFixtures;
import org.modelserver.runtime.train.spec.DatasetFormat;
import org.modelserver.runtime.train.spec.TrainingSpec;

/** Parsing JSONL and CSV datasets against a model's config and a job's loss. */
class TrainingDataTest {
  /** Two inputs, a matrix and an INT64 vector, and three class logits. */
  private static final ModelConfig GRID =
      ModelConfig.builder("grid")
          .platform("pytorch_libtorch")
          .maxBatchSize(8)
          .inputs(
              List.of(
                  new TensorSpec("m", DataType.FP32, new long[] {2, 3}),
                  new TensorSpec("k", DataType.INT64, new long[] {2})))
          .outputs(List.of(new TensorSpec("logits", DataType.FP32, new long[] {3})))
          .build();

  private static TrainingSpec spec(ModelConfig config, String loss) {
    return TrainingSpec.parse(
        json("{\"dataset\": {\"format\": \"jsonl\", \"data\": \"\"}, \"loss\": \"" + loss + "\"}"),
        config);
  }

  private static TrainingData parse(
      DatasetFormat format, String text, ModelConfig config, String loss) {
    return TrainingData.parse(format, utf8(text), config, spec(config, loss));
  }

  private static TrainingData regression(DatasetFormat format, String text) {
    return parse(format, text, TrainFixtures.config(REGRESSOR), "mse");
  }

  private static void assertRejected(
      DatasetFormat format, String text, ModelConfig config, String loss, String message) {
    assertThatThrownBy(() -> parse(format, text, config, loss))
        .isInstanceOfSatisfying(
            ServingException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessageContaining(message);
  }

  @Test
  void jsonlValuesMayBeNestedLikeTheDimsOrFlat() {
    String text =
        "{\"m\": [[1, 2, 3], [4, 5, 6]], \"k\": [7, -8], \"target\": 2}\n"
            + "\n"
            + "{\"m\": [0.5, 1.5, 2.5, 3.5, 4.5, 5.5], \"k\": [1, 2], \"target\": 0}\r\n";

    TrainingData data = parse(DatasetFormat.JSONL, text, GRID, "cross_entropy");

    assertThat(data.size()).isEqualTo(2);
    assertThat(data.floats("m", 0)).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(data.longs("k", 0)).containsExactly(7, -8);
    assertThat(data.target(0)).containsExactly(2);
    assertThat(data.floats("m", 1)).containsExactly(0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f);
    assertThat(data.target(1)).containsExactly(0);
    assertThat(data.format()).isEqualTo(DatasetFormat.JSONL);
  }

  @Test
  void csvColumnsNameInputElements() {
    String text = "k.1,m.0,m.1,m.2,m.3,m.4,m.5,target,k.0\n" + "-8, 1,2,3,4,5,6,2,7\n\n";

    TrainingData data = parse(DatasetFormat.CSV, text, GRID, "cross_entropy");

    assertThat(data.size()).isEqualTo(1);
    assertThat(data.floats("m", 0)).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(data.longs("k", 0)).containsExactly(7, -8);
    assertThat(data.target(0)).containsExactly(2);
  }

  @Test
  void singleValuesMayBeBareNumbersAndColumnsPlainNames() {
    TrainingData jsonl =
        regression(
            DatasetFormat.JSONL, "{\"x\": 0.25, \"target\": [5.5]}\n{\"x\": [1], \"target\": 13}");
    TrainingData csv = regression(DatasetFormat.CSV, "target,x.0\n5.5,0.25\n13,1e0\n");

    for (TrainingData data : List.of(jsonl, csv)) {
      assertThat(data.size()).isEqualTo(2);
      assertThat(data.floats("x", 0)).containsExactly(0.25f);
      assertThat(data.target(0)).containsExactly(5.5f);
      assertThat(data.floats("x", 1)).containsExactly(1f);
      assertThat(data.target(1)).containsExactly(13f);
    }
  }

  @Test
  void keepsTheSha256OfTheRawBytes() {
    TrainingData data = regression(DatasetFormat.CSV, "x,target\n1,2\n");

    // printf 'x,target\n1,2\n' | sha256sum
    assertThat(data.sha256())
        .isEqualTo("90f67d0b4cc437e8f6c20f0732d3536bdbe1754b085ae26c20c5cbc915468e6e");
  }

  @Test
  void splitHoldsOutTheSameSamplesForTheSameSeed() {
    StringBuilder text = new StringBuilder("x,target\n");
    for (int i = 0; i < 100; i++) {
      text.append(i).append(",0\n");
    }
    TrainingData data = regression(DatasetFormat.CSV, text.toString());

    TrainingData.Split first = data.split(7, 0.2);
    TrainingData.Split again = data.split(7, 0.2);
    TrainingData.Split other = data.split(8, 0.2);

    assertThat(first.validation()).hasSize(20).containsExactly(again.validation());
    assertThat(first.train()).hasSize(80).containsExactly(again.train());
    assertThat(other.validation()).isNotEqualTo(first.validation());
    Set<Integer> all = new HashSet<>();
    Arrays.stream(first.train()).forEach(all::add);
    Arrays.stream(first.validation()).forEach(all::add);
    assertThat(all).hasSize(100);
    assertThat(data.split(7, 0).validation()).isEmpty();
    assertThat(data.split(7, 0.001).validation()).hasSize(1);
  }

  @Test
  void aSplitThatLeavesNothingToTrainOnIsRefused() {
    TrainingData data = regression(DatasetFormat.CSV, "x,target\n1,2\n");

    assertThatThrownBy(() -> data.split(0, 0.5))
        .isInstanceOf(ServingException.class)
        .hasMessageContaining("validation_split 0.5 of 1 samples leaves none to train on");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "empty | '' | dataset has no samples",
        "blank lines only | '\n  \n' | dataset has no samples",
        "not JSON | '{\"x\": 1, \"target\": 2}\n{x: 1}' | dataset line 2: not valid JSON",
        "not an object | '[1, 2]' | dataset line 1: expected a JSON object with the keys target, x",
        "missing key | '{\"x\": 1}' | dataset line 1: missing key 'target'",
        "extra key | '{\"x\": 1, \"target\": 2, \"w\": 3}' | dataset line 1: unknown key 'w'",
        "duplicate key | '{\"x\": 1, \"x\": 2, \"target\": 2}' | dataset line 1: not valid JSON:"
            + " Duplicate",
        "too many values | '{\"x\": [1, 2], \"target\": 2}' | dataset line 1: 'x' must be a number;"
            + " got an array of 2 elements",
        "text value | '{\"x\": \"1\", \"target\": 2}' | dataset line 1: 'x' is not a number: \"1\"",
        "null value | '{\"x\": null, \"target\": 2}' | dataset line 1: 'x' is not a number: null",
        "object value | '{\"x\": {}, \"target\": 2}' | dataset line 1: 'x' must be a number; got an"
            + " object",
        "huge value | '{\"x\": 1e39, \"target\": 2}' | dataset line 1: 'x' is 1.0E39, which is not a"
            + " finite FP32 number",
      })
  void jsonlProblemsNameTheLine(String name, String text, String message) {
    assertRejected(DatasetFormat.JSONL, text, TrainFixtures.config(REGRESSOR), "mse", message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "header only | 'x,target\n' | dataset has no samples",
        "unknown column | 'x,target,w\n1,2,3' | dataset line 1: unknown column 'w'; expected the"
            + " columns x, target",
        "missing column | 'x\n1' | dataset line 1: missing column 'target'",
        "same value twice | 'x,x.0,target\n1,1,2' | dataset line 1: columns 'x' and 'x.0' name"
            + " the same value",
        "short row | 'x,target\n1,2\n3' | dataset line 3: has 1 fields; the header has 2 columns",
        "not a number | 'x,target\n1,2\nabc,4' | dataset line 3: column 'x' is not a number: 'abc'",
        "NaN | 'x,target\nNaN,2' | dataset line 2: column 'x' is not a number: 'NaN'",
        "Infinity | 'x,target\n1,Infinity' | dataset line 2: column 'target' is not a number",
        "too large | 'x,target\n1,1e40' | dataset line 2: column 'target' is 1e40, not a finite"
            + " FP32 number",
        "hex | 'x,target\n0x10,1' | dataset line 2: column 'x' is not a number: '0x10'",
      })
  void csvProblemsNameTheLine(String name, String text, String message) {
    assertRejected(DatasetFormat.CSV, text, TrainFixtures.config(REGRESSOR), "mse", message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "class out of range | JSONL | '{\"m\": [1,2,3,4,5,6], \"k\": [1,2], \"target\": 3}' |"
            + " dataset line 1: 'target' is class 3, outside the 3 classes of output 'logits' (0"
            + " to 2)",
        "negative class | CSV | 'm.0,m.1,m.2,m.3,m.4,m.5,k.0,k.1,target\n1,2,3,4,5,6,1,2,-1' |"
            + " dataset line 2: 'target' is class -1, outside the 3 classes",
        "fractional class | JSONL | '{\"m\": [1,2,3,4,5,6], \"k\": [1,2], \"target\": 1.5}' |"
            + " dataset line 1: 'target' is 1.5; loss cross_entropy needs a class index",
        "fractional INT64 | JSONL | '{\"m\": [1,2,3,4,5,6], \"k\": [1,2.5], \"target\": 1}' |"
            + " dataset line 1: 'k' element 1 is 2.5; input 'k' is INT64",
        "INT64 text in CSV | CSV | 'm.0,m.1,m.2,m.3,m.4,m.5,k.0,k.1,target\n1,2,3,4,5,6,1,x,1' |"
            + " dataset line 2: column 'k.1' is 'x'; its input is INT64",
        "wrong nesting | JSONL | '{\"m\": [[1,2],[3,4],[5,6]], \"k\": [1,2], \"target\": 1}' |"
            + " dataset line 1: 'm' must be 6 numbers (dims [2,3]), flat or nested like the dims;"
            + " got an array of 3 elements",
        "too few | JSONL | '{\"m\": [1,2,3,4,5], \"k\": [1,2], \"target\": 1}' | dataset line 1:"
            + " 'm' must be 6 numbers",
      })
  void problemsAgainstTheModelNameTheLine(
      String name, DatasetFormat format, String text, String message) {
    assertRejected(format, text, GRID, "cross_entropy", message);
  }

  @Test
  void bceTargetsMustBeZeroOrOne() {
    ModelConfig classifier = TrainFixtures.config(CLASSIFIER);
    String line = "{\"features\": [1, 2], \"target\": %s}\n";

    assertThat(
            parse(DatasetFormat.JSONL, line.formatted(1) + line.formatted(0), classifier, "bce")
                .size())
        .isEqualTo(2);
    assertRejected(
        DatasetFormat.JSONL,
        line.formatted(1) + line.formatted(0.5),
        classifier,
        "bce",
        "dataset line 2: 'target' is 0.5; loss bce needs targets 0 or 1");
    assertThat(
            parse(DatasetFormat.JSONL, line.formatted(0.25), classifier, "bce_with_logits")
                .target(0))
        .containsExactly(0.25f);
    assertRejected(
        DatasetFormat.JSONL,
        line.formatted(2),
        classifier,
        "bce_with_logits",
        "dataset line 1: 'target' is 2.0; loss bce_with_logits needs targets from 0 to 1");
  }

  @Test
  void notUtf8IsRefused() {
    assertThatThrownBy(
            () ->
                TrainingData.parse(
                    DatasetFormat.CSV,
                    new byte[] {(byte) 0xff, (byte) 0xfe},
                    TrainFixtures.config(REGRESSOR),
                    spec(TrainFixtures.config(REGRESSOR), "mse")))
        .isInstanceOf(ServingException.class)
        .hasMessageContaining("not valid UTF-8");
  }
}
