package org.modelserver.server.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.testsupport.ReferenceJson;
import org.modelserver.runtime.testsupport.TrainFixtures;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.TestRepos;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * The console in a real browser (Debian's Chromium, headless) against the real server, which has an
 * admin token, so that management needs it from the browser on loopback too. After each test the
 * browser's network log must show no request outside the server and no CSP violation.
 */
class ConsoleBrowserTest {
  private static final String TOKEN = "console-test-admin-token";
  private static final String UNLOADED = "identity_types";

  @TempDir static Path repo;
  private static ConfigurableApplicationContext server;
  private static Browser browser;
  private static int port;

  @BeforeAll
  static void start() {
    Browser.requireInstalled();
    for (String model : List.of("classifier", "regressor_torch", "mixed_io", UNLOADED)) {
      TestRepos.copyModel(model, repo);
    }
    server =
        TestRepos.start(
            "--model-repository=" + repo,
            "--admin-token=" + TOKEN,
            "--model-control-mode=explicit",
            "--load-model=*");
    port = TestRepos.port(server);
    browser = Browser.start("http://localhost:" + port);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void freshPage() {
    browser.size(Browser.DESKTOP);
    browser.open("/console/");
    browser.token(null);
    browser.requestedUrls();
    browser.policyViolations();
  }

  @AfterEach
  void nothingLeftTheServer() {
    browser.assertStayedOnTheServer();
  }

  @Test
  void theRootRedirectsToTheModelsTableWhichListsTheExampleModels() {
    browser.token(TOKEN);
    browser.open("/");
    browser.await(30, "the console at /console/", d -> d.getCurrentUrl().contains("/console/"));
    browser.awaitElement("#models-table tr[data-model='mixed_io']");
    List<String> models =
        browser.findAll("#models-table tbody tr").stream()
            .map(row -> row.getAttribute("data-model"))
            .toList();
    assertThat(models)
        .containsExactly("classifier", "identity_types", "mixed_io", "regressor_torch");
    WebElement classifier = browser.find("#models-table tr[data-model='classifier']");
    assertThat(classifier.getText()).contains("v1", "v2", "READY");
    browser.screenshot("models");

    browser.find("#model-filter").sendKeys("regr");
    browser.await(
        10,
        "the filter to leave one model",
        d -> browser.findAll("#models-table tbody tr").size() == 1);
    assertThat(browser.find("#models-table tbody tr").getAttribute("data-model"))
        .isEqualTo("regressor_torch");

    browser.size(Browser.PHONE);
    browser.open("/console/#/models");
    browser.awaitElement("#models-table tr[data-model='classifier']");
    browser.screenshot("models-phone");
  }

  @Test
  void withoutTheTokenTheModelsTableShowsTheReadyVersionsAndSaysWhy() {
    browser.open("/console/#/models");
    browser.awaitElement("#models-table tr[data-model='classifier']");
    assertThat(browser.find("#notice").getText()).contains("401", "admin token");
  }

  @Test
  void aModelPageChartUpdatesUnderLoad() throws Exception {
    browser.open("/console/#/models/classifier");
    browser.awaitElement("#stats-chart");
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger sent = new AtomicInteger();
    Thread load =
        new Thread(
            () -> {
              HttpTestClient http = new HttpTestClient(port);
              String body =
                  "{\"inputs\":[{\"name\":\"features\",\"shape\":[2,4],\"datatype\":\"FP32\","
                      + "\"data\":[1,2,3,4,5,6,7,8]}]}";
              long deadline = System.nanoTime() + 60_000_000_000L;
              while (running.get() && System.nanoTime() < deadline) {
                http.post("/v2/models/classifier/infer", body);
                sent.incrementAndGet();
              }
            });
    load.start();
    try {
      browser.await(45, "a positive request rate on the page", d -> rate() > 0);
      browser.await(30, "at least three points in the chart", d -> chartPoints() >= 3);
      browser.await(10, "a batch-size bar", d -> !browser.findAll("#batch-histogram li").isEmpty());
      assertThat(Double.parseDouble(browser.find("#stat-latency").getText().replace(",", "")))
          .isPositive();
      browser.await(
          10, "a p99 latency from /metrics", d -> !browser.find("#stat-p99").getText().equals("–"));
      double p50 = Double.parseDouble(browser.find("#stat-p50").getText().replace(",", ""));
      double p99 = Double.parseDouble(browser.find("#stat-p99").getText().replace(",", ""));
      assertThat(p50).isPositive();
      assertThat(p99).isGreaterThanOrEqualTo(p50);
      browser.screenshot("model");
      browser.size(Browser.PHONE);
      browser.await(10, "the chart to fit a phone", d -> chartWidth() <= Browser.PHONE.width);
      browser.screenshot("model-phone");
    } finally {
      running.set(false);
      load.join();
    }
    assertThat(sent.get()).isPositive();
    assertThat(browser.find("#percentile-note").getText())
        .contains("nv_inference_request_summary_us");
  }

  @Test
  void tryItReturnsTheReferenceOutputOfTheClassifier() {
    ReferenceJson reference =
        ReferenceJson.all().stream()
            .filter(r -> r.model().equals("classifier"))
            .findFirst()
            .orElseThrow();
    JsonNode input = reference.testCase().get("request").get("inputs").get(0);
    browser.open("/console/#/models/classifier");
    browser.awaitElement("#try-form");
    browser.find("#try-version option[value='" + reference.version() + "']").click();
    WebElement shape = browser.find(".try-shape[data-input='features']");
    shape.clear();
    shape.sendKeys(input.get("shape").toString());
    WebElement data = browser.find(".try-data[data-input='features']");
    data.clear();
    data.sendKeys(input.get("data").toString());
    browser.find("#try-send").click();
    browser.await(
        30,
        "the inference response",
        d -> browser.find("#try-response").getAttribute("data-status") != null);
    assertThat(browser.find("#try-response").getAttribute("data-status")).isEqualTo("200");
    JsonNode answer = HttpTestClient.JSON.readTree(browser.find("#try-response").getText());
    assertThat(answer.get("model_version").asString()).isEqualTo(reference.version());
    for (JsonNode expected : reference.testCase().get("response").get("outputs")) {
      JsonNode actual = output(answer, expected.get("name").asString());
      assertThat(actual.get("shape")).isEqualTo(expected.get("shape"));
      for (int i = 0; i < expected.get("data").size(); i++) {
        assertThat(actual.get("data").get(i).doubleValue())
            .isCloseTo(expected.get("data").get(i).doubleValue(), within(1e-5));
      }
    }
    browser.screenshot("try-it");
  }

  @Test
  void aFineTuningJobStartedFromTheFormShowsAFallingLossAndSucceeds(@TempDir Path data)
      throws Exception {
    Path dataset = data.resolve("line.jsonl");
    Files.writeString(dataset, TrainFixtures.lineJsonl(256, 7, 10, 3), StandardCharsets.UTF_8);
    browser.token(TOKEN);
    browser.open("/console/#/training");
    browser.awaitElement("#finetune-form");
    browser.find("#ft-model").sendKeys("regressor_torch");
    browser.find("#ft-dataset").sendKeys(dataset.toAbsolutePath().toString());
    set("#ft-epochs", "12");
    set("#ft-batch-size", "16");
    set("#ft-lr", "0.1");
    set("#ft-validation", "0.25");
    browser.screenshot("training");
    browser.find("#ft-start").click();

    browser.await(30, "the job page", d -> d.getCurrentUrl().contains("#/training/"));
    browser.await(
        180,
        "the job to finish",
        d ->
            List.of("succeeded", "failed", "cancelled")
                .contains(browser.find("#main").getAttribute("data-state")));
    assertThat(browser.find("#job-state").getText()).isEqualTo("succeeded");
    assertThat(browser.find("#job-output").getText()).isEqualTo("v2");
    List<Double> train = numbers(".train-loss");
    List<Double> validation = numbers(".val-loss");
    assertThat(train).hasSize(12);
    assertThat(validation).hasSize(12);
    assertThat(train.get(train.size() - 1)).isLessThan(train.get(0) / 10);
    assertThat(validation.get(validation.size() - 1)).isLessThan(validation.get(0) / 10);
    assertThat(browser.find("#loss-chart").getAttribute("data-points")).isEqualTo("12");
    browser.screenshot("job");
  }

  @Test
  void unloadAsksForTheTokenRefusesAWrongOneThenWorks() {
    browser.open("/console/#/models/" + UNLOADED);
    browser.awaitElement("#action-unload").click();
    Alert confirm = browser.await(10, "a confirmation", ExpectedConditions.alertIsPresent());
    assertThat(confirm.getText()).contains("Unload " + UNLOADED);
    confirm.accept();

    browser.awaitElement("#token-dialog[open]");
    assertThat(browser.find("#token-reason").getText()).contains("needs the admin token (401)");
    browser.find("#token-input").sendKeys("not-the-token");
    browser.find("#token-ok").click();
    browser.await(
        10, "the refusal", d -> browser.find("#token-reason").getText().contains("refused"));
    assertThat(browser.find("#token-dialog").getAttribute("open")).isNotNull();
    browser.screenshot("token");
    assertThat(state(UNLOADED)).isEqualTo("READY");

    browser.find("#token-input").sendKeys(TOKEN);
    browser.find("#token-ok").click();
    browser.await(
        30,
        "the unload to finish",
        d -> browser.find("#manage-result").getText().startsWith("Unload: done"));
    assertThat(state(UNLOADED)).isEqualTo("UNAVAILABLE");
    // Load it back: the token is kept for the session, so no dialog this time.
    browser.find("#action-load").click();
    browser.await(
        60,
        "the load to finish",
        d -> browser.find("#manage-result").getText().startsWith("Load: done"));
    assertThat(state(UNLOADED)).isEqualTo("READY");
  }

  @Test
  void theKeyboardAloneReachesEveryViewAndTheTokenDialog() {
    // A fresh page (freshPage loaded /console/): the first Tab is the skip link, then the menu.
    browser.awaitElement("#models-table");
    assertThat(press(Keys.TAB).getText()).isEqualTo("Skip to content");
    assertThat(press(Keys.TAB).getText()).isEqualTo("Models");
    WebElement training = press(Keys.TAB);
    assertThat(training.getText()).isEqualTo("Training");
    training.sendKeys(Keys.ENTER);
    browser.awaitElement("#finetune-form");
    // The view takes the focus, so the next Tab goes into it.
    assertThat(press(Keys.TAB).getAttribute("id")).isEqualTo("ft-model");

    assertThat(press(Keys.SHIFT, Keys.TAB).getAttribute("id")).isEqualTo("token-button");
    assertThat(press(Keys.SHIFT, Keys.TAB).getText()).isEqualTo("API (Swagger UI)");
    WebElement server = press(Keys.SHIFT, Keys.TAB);
    assertThat(server.getText()).isEqualTo("Server");
    server.sendKeys(Keys.ENTER);
    browser.awaitElement("#server-table");

    WebElement token = press(Keys.SHIFT, Keys.TAB);
    assertThat(token.getAttribute("id")).isEqualTo("token-button");
    token.sendKeys(Keys.ENTER);
    browser.awaitElement("#token-dialog[open]");
    assertThat(focused().getAttribute("id")).isEqualTo("token-input");
    focused().sendKeys(Keys.ESCAPE);
    browser.await(
        5, "the dialog to close", d -> browser.find("#token-dialog").getAttribute("open") == null);
  }

  /** Presses the keys together; answers the element that has the focus then. */
  private static WebElement press(Keys... keys) {
    Actions actions = new Actions(browser.driver());
    for (Keys key : keys) {
      actions.keyDown(key);
    }
    for (int i = keys.length - 1; i >= 0; i--) {
      actions.keyUp(keys[i]);
    }
    actions.perform();
    return focused();
  }

  private static WebElement focused() {
    return browser.driver().switchTo().activeElement();
  }

  @Test
  void pinAndTrafficSplitGoThroughTheModelPageAndShowInTheTable() {
    browser.token(TOKEN);
    browser.open("/console/#/models/classifier");
    browser.awaitElement("#pin-version option[value='1']").click();
    browser.find("#action-pin").click();
    awaitResult("Pin: done");
    assertThat(browser.find("#manage-result").getText()).contains("default v1 (pinned)");

    browser.find("#share-1").sendKeys("30");
    browser.find("#share-2").sendKeys("70");
    browser.find("#action-split").click();
    browser.await(10, "a confirmation", ExpectedConditions.alertIsPresent()).accept();
    awaitResult("Set traffic split: done");

    browser.open("/console/#/models");
    WebElement row = browser.awaitElement("#models-table tr[data-model='classifier']");
    assertThat(row.getText()).contains("v1 30%, v2 70%");
    assertThat(row.findElements(By.tagName("td")).get(2).getText()).isEqualTo("v1");

    browser.open("/console/#/models/classifier");
    browser.awaitElement("#action-clear-split").click();
    browser.await(10, "a confirmation", ExpectedConditions.alertIsPresent()).accept();
    awaitResult("Clear traffic split: done");
    browser.find("#action-unpin").click();
    browser.await(10, "a confirmation", ExpectedConditions.alertIsPresent()).accept();
    awaitResult("Unpin: done");
    assertThat(browser.find("#manage-result").getText()).contains("default v2");
  }

  @Test
  void anArchiveUploadedFromTheModelPageAddsAVersion(@TempDir Path data) throws Exception {
    Path archive = data.resolve("mixed_io-v2.zip");
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(archive))) {
      zip.putNextEntry(new ZipEntry("2/model.onnx"));
      zip.write(Files.readAllBytes(TestRepos.exampleRepo().resolve("mixed_io/1/model.onnx")));
      zip.closeEntry();
    }
    browser.token(TOKEN);
    browser.open("/console/#/models/mixed_io");
    browser.awaitElement("#upload-file").sendKeys(archive.toString());
    browser.find("#action-upload").click();
    browser.await(10, "a confirmation", ExpectedConditions.alertIsPresent()).accept();
    awaitResult("Upload: done");
    assertThat(browser.find("#manage-result").getText()).contains("v2 READY");
  }

  private static void awaitResult(String prefix) {
    browser.await(
        60, "'" + prefix + "'", d -> browser.find("#manage-result").getText().startsWith(prefix));
  }

  @Test
  void theServerPageShowsVersionExtensionsAndGpus() {
    browser.open("/console/#/server");
    browser.awaitElement("#server-table");
    assertThat(browser.find("#server-table").getText()).contains("Version", "Uptime");
    assertThat(browser.find("#extensions").getText()).contains("statistics", "classification");
    assertThat(browser.find("#gpus").getText()).isNotBlank();
    browser.screenshot("server");
  }

  @Test
  void swaggerUiShowsTheRepositorysOpenApiFile() {
    browser.open("/console/");
    browser.awaitElement("a[href='/swagger-ui/index.html']").click();
    browser.await(
        60, "Swagger UI's title", d -> !browser.findAll(".information-container .title").isEmpty());
    assertThat(browser.find(".information-container .title").getText())
        .contains("JVM model server REST API");
    browser.awaitElement(".opblock");
    browser.screenshot("swagger-ui");
  }

  private static void set(String css, String value) {
    WebElement input = browser.find(css);
    input.clear();
    input.sendKeys(value);
  }

  private static List<Double> numbers(String css) {
    return browser.findAll(css).stream()
        .map(WebElement::getText)
        .filter(text -> !text.isBlank())
        .map(Double::parseDouble)
        .toList();
  }

  private static double rate() {
    Object rate =
        browser.script(
            "const s = document.querySelector('section[data-rate]');"
                + " return s ? s.dataset.rate : '0';");
    return Double.parseDouble(String.valueOf(rate));
  }

  private static long chartWidth() {
    return (Long)
        browser.script(
            "return Math.ceil(document.querySelector('#stats-chart .uplot').getBoundingClientRect().width)");
  }

  private static int chartPoints() {
    String points = browser.find("#stats-chart").getAttribute("data-points");
    return points == null ? 0 : Integer.parseInt(points);
  }

  private static JsonNode output(JsonNode answer, String name) {
    for (JsonNode output : answer.get("outputs")) {
      if (output.get("name").asString().equals(name)) {
        return output;
      }
    }
    throw new AssertionError("no output " + name + " in " + answer);
  }

  /** The model's state in the repository index (management, with the token). */
  private static String state(String model) {
    HttpTestClient.Reply reply =
        new HttpTestClient(port)
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v2/repository/index"))
                    .header("Authorization", "Bearer " + TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString("{}")));
    for (JsonNode row : reply.json()) {
      if (row.get("name").asString().equals(model)) {
        return row.get("state").asString();
      }
    }
    return "absent";
  }
}
