package org.modelserver.runtime.train.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.testsupport.TrainFixtures;
import org.modelserver.runtime.train.spec.TrainingSpec;

/**
 * A fine-tuned model file is real TorchScript: PyTorch's own {@code torch.jit.load} reads it and
 * computes the tuned function. Skipped where /usr/bin/python3 with torch is not installed.
 */
class PyTorchCompatibilityTest {
  private static final Path PYTHON = Path.of("/usr/bin/python3");

  @TempDir Path dir;

  @Test
  void pytorchLoadsTheTunedModelAndPredictsTheLine() throws Exception {
    assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3");
    assumeTrue(python("import torch").exitCode == 0, "no torch for /usr/bin/python3");
    TrainingSpec spec =
        TrainFixtures.spec(
            TrainFixtures.REGRESSOR,
            TrainFixtures.settings(
                "jsonl",
                TrainFixtures.linearJsonl(256, 12),
                ", \"optimizer\": {\"type\": \"sgd\", \"lr\": 0.1}, \"epochs\": 40"));
    Path output = dir.resolve("tuned.pt");
    TrainFixtures.run(TrainFixtures.REGRESSOR, spec, output);

    Result result =
        python(
            "import sys, torch\n"
                + "m = torch.jit.load(sys.argv[1])\n"
                + "print(m(torch.tensor([[2.0]])).item())\n",
            output.toString());

    assertThat(result.exitCode).as(result.output).isZero();
    String[] lines = result.output.strip().split("\n");
    assertThat(Double.parseDouble(lines[lines.length - 1])).isCloseTo(23.0, within(0.01));
  }

  private record Result(int exitCode, String output) {}

  private static Result python(String script, String... args)
      throws IOException, InterruptedException {
    String[] command = new String[args.length + 3];
    command[0] = PYTHON.toString();
    command[1] = "-c";
    command[2] = script;
    System.arraycopy(args, 0, command, 3, args.length);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    // A guard against a hung interpreter, not a timing assertion.
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      return new Result(-1, "python did not finish: " + output);
    }
    return new Result(process.exitValue(), output);
  }
}
