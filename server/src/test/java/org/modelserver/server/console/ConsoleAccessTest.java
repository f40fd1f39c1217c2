package org.modelserver.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.TestRepos;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The console and Swagger UI are open static files under a strict Content-Security-Policy, and
 * serving them opened nothing else: management still needs the admin token, and nothing else on the
 * class path is served.
 */
class ConsoleAccessTest {
  private static final Pattern INLINE =
      Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>|<style|\\sstyle=|\\son[a-z]+=");

  private static ConfigurableApplicationContext server;
  private static HttpTestClient http;

  @BeforeAll
  static void start() {
    server =
        TestRepos.start(
            "--model-repository=" + TestRepos.exampleRepo(), "--admin-token=console-access-token");
    http = new HttpTestClient(TestRepos.port(server));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void theRootRedirectsToTheConsole() {
    HttpTestClient.Reply root = http.get("/");
    assertThat(root.status()).isEqualTo(302);
    assertThat(root.header("Location"))
        .hasValueSatisfying(l -> assertThat(l).endsWith("/console/"));
    HttpTestClient.Reply page = http.get("/console/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.contentType()).startsWith("text/html");
    assertThat(page.body()).contains("<script type=\"module\" src=\"js/app.js\"></script>");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/console/",
        "/console/index.html",
        "/console/js/app.js",
        "/console/css/console.css",
        "/webjars/uplot/dist/uPlot.esm.js",
        "/swagger-ui/index.html",
        "/swagger-ui/swagger-initializer.js",
        "/openapi.yaml"
      })
  void staticFilesAreOpenWithAStrictPolicy(String path) {
    HttpTestClient.Reply reply = http.get(path);
    assertThat(reply.status()).as(path).isEqualTo(200);
    String policy = reply.header("Content-Security-Policy").orElseThrow();
    assertThat(policy)
        .contains("default-src 'none'", "script-src 'self';", "connect-src 'self'")
        .doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:", "*");
    assertThat(reply.header("X-Content-Type-Options")).hasValue("nosniff");
  }

  @Test
  void theServedOpenApiFileIsTheRepositorysOwn() throws IOException {
    Path file = TestRepos.exampleRepo().getParent().resolve("openapi.yaml");
    assertThat(http.get("/openapi.yaml").body()).isEqualTo(Files.readString(file));
    String initializer = http.get("/swagger-ui/swagger-initializer.js").body();
    assertThat(initializer).contains("\"/openapi.yaml\"").doesNotContain("petstore");
  }

  @Test
  void thePagesHaveNoInlineScriptOrStyle() throws IOException {
    for (String page : List.of("/console/", "/swagger-ui/index.html")) {
      assertThat(INLINE.matcher(http.get(page).body()).find()).as(page).isFalse();
    }
    try (Stream<Path> files = Files.walk(Path.of("src/main/resources/static/console"))) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(text).as(file.toString()).doesNotContain("innerHTML", "outerHTML", "eval(");
        if (file.toString().endsWith(".html")) {
          assertThat(INLINE.matcher(text).find()).as(file.toString()).isFalse();
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/application.yaml",
        "/finetune-logback.xml",
        "/static/console/index.html",
        "/META-INF/MANIFEST.MF",
        "/org/modelserver/server/ModelServerApplication.class",
        "/webjars/../application.yaml",
        "/console/../application.yaml"
      })
  void nothingElseOnTheClassPathIsServed(String path) {
    assertThat(http.get(path).status()).as(path).isIn(400, 404);
  }

  @Test
  void springdocsOwnDescriptionDescribesNothing() {
    // Swagger UI through springdoc needs its api-docs on; matching no path, they list nothing.
    HttpTestClient.Reply generated = http.get("/v3/api-docs");
    assertThat(generated.status()).isEqualTo(200);
    assertThat(generated.json().get("paths").size()).isZero();
  }

  @Test
  void managementStillNeedsTheTokenAndTheApiHasNoPolicyHeader() {
    HttpTestClient.Reply index = http.post("/v2/repository/index", "{}");
    assertThat(index.status()).isEqualTo(401);
    assertThat(http.get("/v2/models/classifier/traffic").status()).isEqualTo(401);
    assertThat(http.get("/v2/training/jobs").status()).isEqualTo(401);
    HttpTestClient.Reply metadata = http.get("/v2/models/classifier");
    assertThat(metadata.status()).isEqualTo(200);
    assertThat(metadata.header("Content-Security-Policy")).isEmpty();
  }
}
