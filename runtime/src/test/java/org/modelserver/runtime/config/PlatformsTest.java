package org.modelserver.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.testsupport.TestRepos;

class PlatformsTest {
  @TempDir Path dir;

  @Test
  void knowsOnnxAndTorch() {
    assertThat(Platforms.isKnown("onnxruntime_onnx")).isTrue();
    assertThat(Platforms.isKnown("pytorch_libtorch")).isTrue();
    assertThat(Platforms.isKnown("tensorflow_savedmodel")).isFalse();
    assertThat(Platforms.isKnown("onnxruntime")).isFalse();
  }

  @Test
  void defaultFilenames() {
    assertThat(Platforms.defaultFilename(Platforms.ONNX)).isEqualTo("model.onnx");
    assertThat(Platforms.defaultFilename(Platforms.TORCH)).isEqualTo("model.pt");
    assertThatThrownBy(() -> Platforms.defaultFilename("tensorrt_plan"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void backendAliases() {
    assertThat(Platforms.fromBackend("onnxruntime")).contains(Platforms.ONNX);
    assertThat(Platforms.fromBackend("pytorch")).contains(Platforms.TORCH);
    assertThat(Platforms.fromBackend("python")).isEmpty();
  }

  @Test
  void infersOnnxFromModelOnnx() {
    TestRepos.write(dir.resolve("model.onnx"), new byte[] {1});
    assertThat(Platforms.inferFrom(dir)).contains(Platforms.ONNX);
  }

  @Test
  void infersTorchFromModelPt() {
    TestRepos.write(dir.resolve("model.pt"), new byte[] {1});
    assertThat(Platforms.inferFrom(dir)).contains(Platforms.TORCH);
  }

  @Test
  void infersNothingFromAnEmptyFolder() {
    assertThat(Platforms.inferFrom(dir)).isEmpty();
  }

  @Test
  void infersNothingWhenBothFilesArePresent() {
    TestRepos.write(dir.resolve("model.onnx"), new byte[] {1});
    TestRepos.write(dir.resolve("model.pt"), new byte[] {1});
    assertThat(Platforms.inferFrom(dir)).isEmpty();
  }

  @Test
  void aFolderNamedLikeAModelFileIsNotOne() {
    TestRepos.mkdirs(dir.resolve("model.onnx"));
    assertThat(Platforms.inferFrom(dir)).isEmpty();
  }
}
