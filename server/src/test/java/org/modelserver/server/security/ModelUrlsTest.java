package org.modelserver.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;

class ModelUrlsTest {
  private static final byte[] MODEL = "not really an onnx model".getBytes(StandardCharsets.UTF_8);
  private static final String ALLOWLIST =
      "https://models.example.com/releases/, http://mirror.example.org/m.onnx,"
          + " https://cdn.example.net";

  @TempDir Path downloads;
  private HttpServer origin;
  private String base;
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger requests = new AtomicInteger();

  @BeforeEach
  void startOrigin() throws IOException {
    origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    origin.createContext(
        "/models/model.onnx",
        exchange -> {
          requests.incrementAndGet();
          reply(exchange, 200, MODEL, true);
        });
    origin.createContext("/models/streamed.onnx", exchange -> reply(exchange, 200, MODEL, false));
    origin.createContext(
        "/models/moved.onnx",
        exchange -> {
          exchange.getResponseHeaders().add("Location", "http://elsewhere.example/x.onnx?sig=s3c");
          reply(exchange, 302, new byte[0], true);
        });
    origin.createContext("/models/missing.onnx", exchange -> reply(exchange, 404, MODEL, true));
    origin.createContext(
        "/models/huge.onnx", exchange -> reply(exchange, 200, new byte[1 << 20], true));
    origin.createContext(
        "/models/huge-streamed.onnx", exchange -> reply(exchange, 200, new byte[1 << 20], false));
    origin.createContext(
        "/models/stalls.onnx",
        exchange -> {
          exchange.sendResponseHeaders(200, 0);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(MODEL);
            out.flush();
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (IOException e) {
            // The client gave up, as it should.
          }
        });
    origin.createContext("/secret.onnx", exchange -> reply(exchange, 200, MODEL, true));
    origin.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    origin.start();
    base = "http://127.0.0.1:" + origin.getAddress().getPort();
  }

  @AfterEach
  void stopOrigin() {
    release.countDown();
    origin.stop(0);
  }

  private static void reply(HttpExchange exchange, int status, byte[] body, boolean withLength)
      throws IOException {
    exchange.sendResponseHeaders(status, withLength ? (body.length == 0 ? -1 : body.length) : 0);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private ModelUrls urls() {
    return new ModelUrls(base + "/models/", "", Duration.ofSeconds(10), Duration.ofSeconds(30));
  }

  private static ServingException refusal(Runnable call) {
    try {
      call.run();
    } catch (ServingException e) {
      return e;
    }
    throw new AssertionError("expected a ServingException");
  }

  private long leftovers() throws IOException {
    try (Stream<Path> files = Files.list(downloads)) {
      return files.count();
    }
  }

  // ---- check ----

  @Test
  void anEmptyAllowlistRefusesEverything() {
    ModelUrls urls = new ModelUrls(" , ", "");
    ServingException e = refusal(() -> urls.check("https://models.example.com/releases/m.onnx"));
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(e.getMessage())
        .isEqualTo(
            "fetching models from URLs is disabled: the allowlist (--model-url-allowlist) is"
                + " empty");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://models.example.com/releases/m.onnx",
        "https://models.example.com/releases/v1/m.onnx?x=1",
        "HTTPS://Models.Example.COM/releases/m.onnx",
        "https://models.example.com:443/releases/m.onnx",
        "https://models.example.com/releases/m.onnx#part",
        "https://models.example.com/releases/m.onnx?a=1;b=2",
        "http://mirror.example.org/m.onnx",
        "https://cdn.example.net/",
        "https://cdn.example.net/any/thing",
      })
  void allowedUrls(String url) {
    ModelUrls urls = new ModelUrls(ALLOWLIST, "");
    assertThat(urls.check(url).toString()).doesNotContain("#");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://models.example.com/releases",
        "https://models.example.com/releases-evil/m.onnx",
        "https://models.example.com/releases/../secret",
        "https://models.example.com/releases/%2e%2e/secret",
        "https://models.example.com/releases/%2E%2E%2Fsecret",
        "https://models.example.com/releases/..%5csecret",
        "https://models.example.com.evil.net/releases/m.onnx",
        "https://models.example.com:8443/releases/m.onnx",
        "http://models.example.com/releases/m.onnx",
        "https://user:hunter2@models.example.com/releases/m.onnx",
        "https://models.example.com@evil.net/releases/m.onnx",
        "ftp://models.example.com/releases/m.onnx",
        "file:///etc/passwd",
        "jar:https://models.example.com/releases/m.jar!/x",
        "//models.example.com/releases/m.onnx",
        "/releases/m.onnx",
        "https://models.example.com/releases/a b",
        "http://mirror.example.org/m.onnx.evil",
        "http://mirror.example.org/m.onnx/x",
        "https://cdn.example.net.evil.net/",
        "https://cdn.example.net:444/",
        "https://cdn.example.net/../../x",
        // What a server may resolve to another path than the prefix check sees.
        "https://models.example.com/releases/..;/secret",
        "https://models.example.com/releases/..;a=b/secret",
        "https://models.example.com/releases/m.onnx;jsessionid=abc",
        "https://models.example.com/releases;/m.onnx",
        "https://models.example.com/releases/..%3b/secret",
        "https://models.example.com/releases/%252e%252e/secret",
        "https://models.example.com/releases/%2e%2e;/secret",
        "https://models.example.com/releases/..\\secret",
        "https://models.example.com\\@evil.net/releases/m.onnx",
        "https://models.example.com/releases/./m.onnx",
        "https://models.example.com/other/../releases/m.onnx",
        "https://models.example.com/releases/x/../m.onnx",
        "https://cdn.example.net/a/..",
      })
  void refusedUrls(String url) {
    ModelUrls urls = new ModelUrls(ALLOWLIST, "");
    ServingException e = refusal(() -> urls.check(url));
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(e.getMessage()).doesNotContain("hunter2");
  }

  @Test
  void refusalsSayWhy() {
    ModelUrls urls = new ModelUrls("https://models.example.com/releases/", "");
    assertThat(refusal(() -> urls.check("https://a.example/m.onnx")).getMessage())
        .contains("'https://a.example/m.onnx' is not under an allowed prefix")
        .contains("https://models.example.com/releases/");
    assertThat(refusal(() -> urls.check("ftp://models.example.com/releases/m")).getMessage())
        .contains("only http and https");
    assertThat(refusal(() -> urls.check("https://u:p@models.example.com/releases/m")).getMessage())
        .contains("user-info");
  }

  @Test
  void pathRefusalsNameWhatIsWrongAndWhatIsExpected() {
    ModelUrls urls = new ModelUrls("https://models.example.com/releases/", "");
    assertThat(refusal(() -> urls.check("https://models.example.com/releases/..;/x")).getMessage())
        .contains("';'", "'..;'", "give the path without them");
    assertThat(refusal(() -> urls.check("https://models.example.com/releases/m;jsessionid=1")))
        .hasMessageContaining("';jsessionid='");
    assertThat(refusal(() -> urls.check("https://models.example.com/releases/%2e%2e/x")))
        .hasMessageContaining("(%2E)")
        .hasMessageContaining("give the path unencoded");
    assertThat(refusal(() -> urls.check("https://models.example.com/releases/..\\x")))
        .hasMessageContaining("backslash");
    assertThat(refusal(() -> urls.check("https://models.example.com/releases/./m")))
        .hasMessageContaining("'.' segment");
    String longPath = "https://models.example.com/" + "a/".repeat(2000) + "m.onnx";
    assertThat(refusal(() -> urls.check(longPath)).getMessage()).hasSizeLessThan(600);
  }

  @Test
  void aBadPrefixFailsTheStart() {
    assertThatThrownBy(() -> new ModelUrls("https://ok.example/, ftp://bad.example/", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--model-url-allowlist")
        .hasMessageContaining("ftp://bad.example/");
  }

  @Test
  void privateHostsMustBeHostNamesOfTheAllowlist() {
    assertThatThrownBy(() -> new ModelUrls("http://models.internal/", "http://models.internal"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--model-url-private-hosts")
        .hasMessageContaining("not a host name");
    assertThatThrownBy(() -> new ModelUrls("http://models.internal/", "other.internal"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'other.internal' is the host of no --model-url-allowlist prefix");
    new ModelUrls("http://models.internal/, https://cdn.example.net/", " Models.Internal ");
  }

  // ---- fetch ----

  @Test
  void fetchesAnAllowedUrl() throws IOException {
    for (String name : new String[] {"model.onnx", "streamed.onnx"}) {
      Path file = urls().fetch(base + "/models/" + name, 1024, downloads);
      assertThat(file.getParent()).isEqualTo(downloads);
      assertThat(Files.readAllBytes(file)).isEqualTo(MODEL);
      Files.delete(file);
    }
  }

  @Test
  void aBodyOfExactlyTheLimitIsAccepted() throws IOException {
    Path file = urls().fetch(base + "/models/model.onnx", MODEL.length, downloads);
    assertThat(Files.size(file)).isEqualTo(MODEL.length);
  }

  @Test
  void anAllowlistedNameThatResolvesToLoopbackIsRefusedBeforeConnecting() throws IOException {
    String local = "http://localhost:" + origin.getAddress().getPort() + "/models/";
    ModelUrls urls = new ModelUrls(local, "", Duration.ofSeconds(10), Duration.ofSeconds(30));
    ServingException e = refusal(() -> urls.fetch(local + "model.onnx", 1024, downloads));
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(e.getMessage())
        .contains("'localhost' resolves to", "(loopback)", "--model-url-private-hosts");
    assertThat(requests.get()).isZero();
    assertThat(leftovers()).isZero();
  }

  @Test
  void anAllowlistedNameListedAsPrivateIsFetched() throws IOException {
    String local = "http://localhost:" + origin.getAddress().getPort() + "/models/";
    ModelUrls urls =
        new ModelUrls(local, "localhost", Duration.ofSeconds(10), Duration.ofSeconds(30));
    Path file = urls.fetch(local + "model.onnx", 1024, downloads);
    assertThat(Files.readAllBytes(file)).isEqualTo(MODEL);
    assertThat(requests.get()).isEqualTo(1);
  }

  @Test
  void refusesARedirectNamingItsLocation() throws IOException {
    ServingException e = refusal(() -> urls().fetch(base + "/models/moved.onnx", 1024, downloads));
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(e.getMessage())
        .contains("HTTP 302", "'http://elsewhere.example/x.onnx?...'", "not followed")
        .doesNotContain("s3c");
    assertThat(leftovers()).isZero();
  }

  @Test
  void aNon2xxStatusIsUnavailable() throws IOException {
    ServingException e =
        refusal(() -> urls().fetch(base + "/models/missing.onnx", 1024, downloads));
    assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
    assertThat(e.getMessage()).contains("HTTP 404");
    assertThat(leftovers()).isZero();
  }

  @Test
  void stopsAtTheLimitAndDeletesThePartialFile() throws IOException {
    for (String name : new String[] {"huge.onnx", "huge-streamed.onnx"}) {
      ServingException e = refusal(() -> urls().fetch(base + "/models/" + name, 1000, downloads));
      assertThat(e.kind()).as(name).isEqualTo(ErrorKind.TOO_LARGE);
      assertThat(e.getMessage()).contains("1000 bytes");
      assertThat(leftovers()).as(name).isZero();
    }
  }

  @Test
  void aStalledDownloadGivesUp() throws IOException {
    ModelUrls impatient =
        new ModelUrls(base + "/models/", "", Duration.ofSeconds(10), Duration.ofMillis(300));
    ServingException e =
        refusal(() -> impatient.fetch(base + "/models/stalls.onnx", 1 << 20, downloads));
    assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
    assertThat(e.getMessage()).contains("no data");
    assertThat(leftovers()).isZero();
  }

  @Test
  void fetchChecksTheAllowlistFirst() throws IOException {
    ServingException e = refusal(() -> urls().fetch(base + "/secret.onnx", 1024, downloads));
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(leftovers()).isZero();
  }

  @Test
  void anUnreachableOriginIsUnavailable() throws IOException {
    String closed = base;
    origin.stop(0);
    ServingException e =
        refusal(
            () ->
                new ModelUrls(
                        closed + "/models/", "", Duration.ofSeconds(10), Duration.ofSeconds(30))
                    .fetch(closed + "/models/model.onnx", 1024, downloads));
    assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
    assertThat(leftovers()).isZero();
  }
}
