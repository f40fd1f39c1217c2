package org.modelserver.runtime.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.Platforms;
import org.modelserver.runtime.device.Device;
import org.modelserver.runtime.engine.onnx.OnnxEngine;

class EnginesTest {

  @Test
  void findsAnEngineByPlatform() {
    OnnxEngine onnx = new OnnxEngine();
    try (Engines engines = new Engines(List.of(onnx))) {
      assertThat(engines.forPlatform(Platforms.ONNX)).containsSame(onnx);
      assertThat(engines.forPlatform(Platforms.TORCH)).isEmpty();
      assertThat(engines.platforms()).containsExactly(Platforms.ONNX);
    }
  }

  @Test
  void rejectsTwoEnginesForOnePlatform() {
    assertThatThrownBy(() -> new Engines(List.of(new OnnxEngine(), new OnnxEngine())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two engines for platform onnxruntime_onnx");
  }

  @Test
  void noEnginesIsAllowed() {
    try (Engines engines = new Engines(List.of())) {
      assertThat(engines.platforms()).isEmpty();
      assertThat(engines.forPlatform(Platforms.ONNX)).isEmpty();
    }
  }

  @Test
  void loadSpecRejectsNegativeThreadCounts() {
    assertThatThrownBy(
            () ->
                new LoadSpec(
                    "m",
                    1,
                    Path.of("model.onnx"),
                    ModelConfig.builder("m").build(),
                    Device.CPU,
                    -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("intraOpThreads");
  }

  @Test
  void loadSpecDescribesTheVersion() {
    LoadSpec spec =
        new LoadSpec(
            "m", 3, Path.of("model.onnx"), ModelConfig.builder("m").build(), Device.CPU, 0);
    assertThat(spec.describe()).isEqualTo("m version 3");
  }

  @Test
  void loadSpecNeedsItsParts() {
    ModelConfig config = ModelConfig.builder("m").build();
    Path file = Path.of("model.onnx");
    assertThatThrownBy(() -> new LoadSpec(null, 1, file, config, Device.CPU, 0))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new LoadSpec("m", 1, null, config, Device.CPU, 0))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new LoadSpec("m", 1, file, null, Device.CPU, 0))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new LoadSpec("m", 1, file, config, null, 0))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void devicesPrintAsTorchDoes() {
    assertThat(Device.CPU).hasToString("cpu");
    assertThat(Device.gpu(1)).hasToString("cuda:1");
    assertThatThrownBy(() -> Device.gpu(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
