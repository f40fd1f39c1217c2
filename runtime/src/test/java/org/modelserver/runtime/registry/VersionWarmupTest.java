package org.modelserver.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.config.ConfigCompleter;
import org.modelserver.runtime.config.ModelConfigException;
import org.modelserver.runtime.config.ModelConfigParser;
import org.modelserver.runtime.engine.Engines;
import org.modelserver.runtime.engine.onnx.OnnxEngine;
import org.modelserver.runtime.repository.ModelRepository;
import org.modelserver.runtime.testsupport.TestRepos;

/** Triton's model_warmup: samples run through the real scheduler and engine before READY. */
class VersionWarmupTest {
  private static final Engines ENGINES = new Engines(List.of(new OnnxEngine()));
  private static final String CLASSIFIER =
      """
      platform: onnxruntime_onnx
      max_batch_size: 32
      input:
        - {name: features, data_type: TYPE_FP32, dims: [4]}
      output:
        - {name: probabilities, data_type: TYPE_FP32, dims: [3]}
      dynamic_batching: {}
      """;

  @TempDir Path root;
  private final List<Model> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(Model::close);
  }

  private Model load(String warmup) throws IOException {
    Path model = root.resolve("m");
    TestRepos.write(
        model.resolve("1/model.onnx"), Files.readAllBytes(TestRepos.modelFile("classifier", 1)));
    TestRepos.write(model.resolve("config.yaml"), CLASSIFIER + warmup);
    ModelLoader loader = new ModelLoader(ENGINES, new ConfigCompleter(8), 0);
    Model loaded = loader.load(new ModelRepository(root).find("m").orElseThrow());
    opened.add(loaded);
    return loaded;
  }

  private static ModelVersion only(Model model) {
    return model.versions().firstEntry().getValue();
  }

  @Test
  void zeroRandomAndFileSamplesRunAndAreNotCounted() throws IOException {
    // One row: a file's data is repeated for every row of the batch, as in Triton.
    ByteBuffer file = ByteBuffer.allocate(4 * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 4; i++) {
      file.putFloat(i / 4f);
    }
    TestRepos.write(root.resolve("m/warmup/features.bin"), file.array());
    Model model =
        load(
            """
            model_warmup:
              - name: zeros
                batch_size: 4
                inputs:
                  features: {data_type: TYPE_FP32, dims: [4], zero_data: true}
                count: 3
              - name: random
                batch_size: 1
                inputs:
                  features: {data_type: TYPE_FP32, dims: [4], random_data: true}
              - name: from_file
                batch_size: 2
                inputs:
                  features: {data_type: TYPE_FP32, dims: [4], input_data_file: features.bin}
            """);
    ModelVersion version = only(model);
    assertThat(version.isReady()).as(version.reason()).isTrue();
    assertThat(version.config().orElseThrow().warmup()).hasSize(3);
    assertThat(version.statistics().inferenceCount()).isZero();
    assertThat(version.statistics().executionCount()).isZero();
    assertThat(version.statistics().success().count()).isZero();
  }

  @Test
  void aFailingSampleMakesTheVersionUnavailableWithTheReason() throws IOException {
    Model model =
        load(
            """
            model_warmup:
              - name: wrong_width
                batch_size: 1
                inputs:
                  features: {data_type: TYPE_FP32, dims: [5], zero_data: true}
            """);
    ModelVersion version = only(model);
    assertThat(version.isReady()).isFalse();
    assertThat(version.state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(version.reason()).contains("model_warmup sample 'wrong_width' failed");
  }

  @Test
  void samplesThatDoNotMatchTheModelAreNamed() throws IOException {
    assertThat(
            only(load(
                    """
                    model_warmup:
                      - name: s
                        batch_size: 64
                        inputs:
                          features: {data_type: TYPE_FP32, dims: [4], zero_data: true}
                    """))
                .reason())
        .contains("sample 's' failed", "batch_size must be between 1 and max_batch_size 32");
    close();
    opened.clear();
    assertThat(
            only(load(
                    """
                    model_warmup:
                      - name: s
                        batch_size: 1
                        inputs:
                          other: {data_type: TYPE_FP32, dims: [4], zero_data: true}
                    """))
                .reason())
        .contains("no data for input(s) [features]");
    close();
    opened.clear();
    assertThat(
            only(load(
                    """
                    model_warmup:
                      - name: s
                        batch_size: 1
                        inputs:
                          features: {data_type: TYPE_FP32, dims: [4], input_data_file: none.bin}
                    """))
                .reason())
        .contains("input_data_file none.bin is not in the warmup folder");
    close();
    opened.clear();
    TestRepos.write(root.resolve("m/warmup/short.bin"), new byte[8]);
    assertThat(
            only(load(
                    """
                    model_warmup:
                      - name: s
                        batch_size: 3
                        inputs:
                          features: {data_type: TYPE_FP32, dims: [4], input_data_file: short.bin}
                    """))
                .reason())
        .contains("has 8 bytes; one row of FP32[4] needs 16");
  }

  @Test
  void theParserIsStrictAboutSamples() {
    ModelConfigParser parser = new ModelConfigParser();
    String[][] cases = {
      {"model_warmup: {a: 1}", "model_warmup must be a list"},
      {
        "model_warmup: [{name: s, inputs: {x: {data_type: TYPE_FP32, dims: [1]}}}]",
        "needs exactly one of zero_data"
      },
      {
        "model_warmup: [{name: s, inputs: {x: {data_type: TYPE_FP32, dims: [-1], zero_data: true}}}]",
        "warm-up shapes are exact"
      },
      {"model_warmup: [{name: s, colour: 1, inputs: {}}]", "colour"},
      {
        "model_warmup: [{name: s, inputs: {x: {data_type: TYPE_FP32, dims: [1],"
            + " input_data_file: ../x}}}]",
        "plain file name"
      },
    };
    for (String[] example : cases) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () ->
                  parser.parse(
                      "p", "platform: onnxruntime_onnx\n" + example[0], false, "config.yaml"))
          .as(example[0])
          .isInstanceOf(ModelConfigException.class)
          .hasMessageContaining(example[1]);
    }
  }
}
