package org.modelserver.server.durability;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.modelserver.server.HttpTestClient;

/**
 * The real server in a JVM of its own, so that a test can kill it with SIGKILL (kill -9) and start
 * it again on the same repository. Optionally armed with a crash point (see {@code CrashPoints}):
 * the server stops there, and {@link #awaitCrashPoint} returns once it has.
 */
public final class ServerProcess implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final Path signal;
  private final int port;
  private final int managementPort;

  private ServerProcess(Process process, Path log, Path signal, int port, int managementPort) {
    this.process = process;
    this.log = log;
    this.signal = signal;
    this.port = port;
    this.managementPort = managementPort;
  }

  /**
   * Starts the server on {@code repo} in explicit mode with every model loaded, and waits until it
   * answers.
   *
   * @param crashPoint the crash point to arm, or null
   */
  static ServerProcess start(Path repo, Path scratch, String crashPoint, String... options)
      throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("--model-control-mode=explicit", "--load-model=*"));
    all.addAll(List.of(options));
    return launch(repo, scratch, crashPoint, all);
  }

  /**
   * Starts the server on {@code repo} in poll mode, rescanning every {@code pollSeconds}, and waits
   * until it answers.
   */
  public static ServerProcess startPolling(
      Path repo, Path scratch, int pollSeconds, String... options)
      throws IOException, InterruptedException {
    List<String> all =
        new ArrayList<>(
            List.of("--model-control-mode=poll", "--repository-poll-secs=" + pollSeconds));
    all.addAll(List.of(options));
    return launch(repo, scratch, null, all);
  }

  private static ServerProcess launch(
      Path repo, Path scratch, String crashPoint, List<String> options)
      throws IOException, InterruptedException {
    int port = freePort();
    int managementPort = freePort();
    Path log = Files.createTempFile(scratch, "server-", ".log");
    Path signal = scratch.resolve("crash-point-" + System.nanoTime());
    List<String> command = new ArrayList<>();
    command.add(java());
    command.add("-Xmx1g");
    if (crashPoint != null) {
      command.add("-Dmodelserver.crash-point=" + crashPoint);
      command.add("-Dmodelserver.crash-point-file=" + signal);
    }
    command.add("org.modelserver.server.ModelServerApplication");
    command.add("--model-repository=" + repo);
    command.add("--http-port=" + port);
    command.add("--http-address=127.0.0.1");
    command.add("--grpc-port=0");
    command.add("--grpc-address=127.0.0.1");
    command.add("--management-port=" + managementPort);
    command.add("--grpc-management-port=-1");
    command.addAll(options);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("CLASSPATH", testClassPath());
    Process process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ServerProcess server = new ServerProcess(process, log, signal, port, managementPort);
    server.awaitLive();
    return server;
  }

  /** The java binary of this JVM, for child JVMs of the tests. */
  public static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * The class path of a child JVM, to pass in its environment as {@code CLASSPATH}: ONNX Runtime
   * cannot take a long command line. Under Surefire, java.class.path is only its booter jar; the
   * test class path is this property.
   */
  public static String testClassPath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** A client of this server: management through its loopback management listener. */
  public HttpTestClient http() {
    return new HttpTestClient(port, managementPort);
  }

  private void awaitLive() throws InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("the server exited at start:\n" + output());
      }
      try {
        HttpResponse<String> reply =
            client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/health/live"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (reply.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the server did not answer within 3 minutes:\n" + output());
  }

  /** Waits until the server has stopped at its crash point. */
  void awaitCrashPoint() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!Files.exists(signal)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("the server did not reach its crash point:\n" + output());
      }
      Thread.sleep(20);
    }
  }

  /** SIGKILL: no shutdown hook, no finally block, nothing flushed. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the server survived SIGKILL");
    }
  }

  /** What the server printed, for failure messages (the last 20,000 characters). */
  public String output() {
    try {
      String text = Files.readString(log, StandardCharsets.UTF_8);
      return text.length() > 20_000 ? text.substring(text.length() - 20_000) : text;
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
