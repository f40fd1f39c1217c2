package org.modelserver.runtime.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * ONNX Runtime's native start-up needs a deep stack; on a JVM main thread whose stack a long
 * command line had eaten into, it crashed the process (SIGSEGV). The engine starts it on a thread
 * of its own.
 */
class OnnxEngineStartupTest {

  /** Run in a child JVM by the test below. */
  public static final class Starter {
    public static void main(String[] args) {
      new OnnxEngine().close();
      System.out.println("started");
    }
  }

  @Test
  void startsInAJvmWithAnOrdinaryCommandLine() throws Exception {
    Process process = launch("");
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output).contains("started");
  }

  @Test
  void refusesWithAReasonInsteadOfCrashingOnAVeryLongCommandLine() throws Exception {
    StringBuilder padding = new StringBuilder();
    for (int i = 0; i < 600; i++) {
      padding
          .append(File.pathSeparator)
          .append("/nonexistent/padding-entry-")
          .append(i)
          .append(".jar");
    }
    Process process = launch(padding.toString());
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as(output).isEqualTo(1);
    assertThat(output).contains("ONNX Runtime 1.29 crashes the JVM").doesNotContain("started");
  }

  private static Process launch(String classPathPadding) throws Exception {
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process process =
        new ProcessBuilder(
                List.of(
                    java.toString(), "-cp", classPath + classPathPadding, Starter.class.getName()))
            .redirectErrorStream(true)
            .start();
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return process;
  }
}
