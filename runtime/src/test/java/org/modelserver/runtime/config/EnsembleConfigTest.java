package org.modelserver.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/** {@code platform: ensemble} with {@code ensemble_scheduling}, read from YAML and JSON. */
class EnsembleConfigTest {
  private static final String HEAD =
      """
      platform: ensemble
      max_batch_size: 8
      input: [{name: IN, data_type: TYPE_FP32, dims: [4]}]
      output: [{name: OUT, data_type: TYPE_FP32, dims: [3]}]
      """;

  private final ModelConfigParser parser = new ModelConfigParser();

  private ModelConfig yaml(String text) {
    return parser.parse("e", text, false, "config.yaml");
  }

  private AbstractThrowableAssert<?, ? extends Throwable> fails(String text) {
    return assertThatThrownBy(() -> yaml(text)).isInstanceOf(ModelConfigException.class);
  }

  @Test
  void stepsAreReadWithTheirMapsAndVersion() {
    ModelConfig config =
        yaml(
            HEAD
                + """
                ensemble_scheduling:
                  step:
                    - {model_name: a, input_map: {x: IN}, output_map: {y: mid}}
                    - {model_name: b, model_version: 2, input_map: {x: mid}, output_map: {y: OUT}}
                """);
    assertThat(config.isEnsemble()).isTrue();
    assertThat(config.ensembleSteps()).hasSize(2);
    EnsembleStep first = config.ensembleSteps().get(0);
    assertThat(first.modelVersion()).isEqualTo(EnsembleStep.ANY_VERSION);
    assertThat(first.version()).isEmpty();
    assertThat(first.inputMap()).containsEntry("x", "IN");
    assertThat(config.ensembleSteps().get(1).version()).contains(2L);
  }

  @Test
  void mapsMayBeWrittenAsKeyValueListsAsProtobufJsonDoes() {
    ModelConfig config =
        parser.parse(
            "e",
            """
            {"platform": "ensemble", "max_batch_size": 0,
             "input": [{"name": "IN", "data_type": "TYPE_FP32", "dims": [4]}],
             "output": [{"name": "OUT", "data_type": "TYPE_FP32", "dims": [3]}],
             "ensemble_scheduling": {"step": [{"model_name": "a",
               "input_map": [{"key": "x", "value": "IN"}],
               "output_map": [{"key": "y", "value": "OUT"}]}]}}
            """,
            true,
            "config.json");
    assertThat(config.ensembleSteps().get(0).outputMap()).containsEntry("y", "OUT");
  }

  @Test
  void badStepsAreRefusedNamingTheField() {
    fails(HEAD).hasMessageContaining("needs ensemble_scheduling");
    fails(HEAD + "ensemble_scheduling: {step: []}\n").hasMessageContaining("step must be");
    fails(HEAD + "ensemble_scheduling: {step: [{input_map: {x: IN}, output_map: {y: OUT}}]}\n")
        .hasMessageContaining("step[0] is missing 'model_name'");
    fails(HEAD + "ensemble_scheduling: {step: [{model_name: a, output_map: {y: OUT}}]}\n")
        .hasMessageContaining("step[0].input_map");
    fails(
            HEAD
                + "ensemble_scheduling: {step: [{model_name: a, model_version: 0,"
                + " input_map: {x: IN}, output_map: {y: OUT}}]}\n")
        .hasMessageContaining("model_version must be -1");
    fails(
            HEAD
                + "ensemble_scheduling: {step: [{model_name: a, model_namespace: n,"
                + " input_map: {x: IN}, output_map: {y: OUT}}]}\n")
        .hasMessageContaining("model_namespace")
        .hasMessageContaining("does not support");
    fails(HEAD + "instance_group: [{count: 2}]\nensemble_scheduling: {step: []}\n")
        .hasMessageContaining("'instance_group' does not apply to an ensemble");
    fails(
            "platform: onnxruntime_onnx\nensemble_scheduling: {step: [{model_name: a,"
                + " input_map: {x: IN}, output_map: {y: OUT}}]}\n")
        .hasMessageContaining("only allowed with platform 'ensemble'");
  }
}
