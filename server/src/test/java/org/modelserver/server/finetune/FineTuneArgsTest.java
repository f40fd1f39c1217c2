package org.modelserver.server.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FineTuneArgsTest {
  private static final String[] REQUIRED = {"--model=m", "--spec=job.json"};

  @Test
  void environmentVariablesStandInForTheServersFlags() {
    FineTuneArgs args =
        FineTuneArgs.parse(
                Map.of("MODEL_REPOSITORY", "/models", "TORCH_CACHE_DIR", "/cache"), REQUIRED)
            .orElseThrow();
    assertThat(args.modelRepository()).isEqualTo(Path.of("/models"));
    assertThat(args.torchCacheDir()).isEqualTo(Path.of("/cache"));
    assertThat(args.baseVersion()).isEmpty();
  }

  @Test
  void aFlagWinsOverItsEnvironmentVariable() {
    FineTuneArgs args =
        FineTuneArgs.parse(
                Map.of("MODEL_REPOSITORY", "/models"),
                "--model-repository=/other",
                "--model=m",
                "--spec=job.json",
                "--base-version=3")
            .orElseThrow();
    assertThat(args.modelRepository()).isEqualTo(Path.of("/other"));
    assertThat(args.baseVersion()).isEqualTo(Optional.of(3L));
  }

  @Test
  void helpAsksForTheUsage() {
    assertThat(FineTuneArgs.parse(Map.of(), "--help")).isEmpty();
  }

  @Test
  void badCommandLinesNameTheFlag() {
    assertThatThrownBy(() -> FineTuneArgs.parse(Map.of(), REQUIRED))
        .hasMessage("--model-repository is required");
    assertThatThrownBy(() -> FineTuneArgs.parse(Map.of(), "--modle=m"))
        .hasMessage("unknown flag --modle");
    assertThatThrownBy(() -> FineTuneArgs.parse(Map.of(), "--model=a", "--model=b"))
        .hasMessage("--model is given twice");
    assertThatThrownBy(
            () ->
                FineTuneArgs.parse(
                    Map.of("MODEL_REPOSITORY", "/m"), "--base-version=0", "--model=m", "--spec=s"))
        .hasMessageContaining("--base-version must be a whole number of 1 or more");
  }
}
