package org.modelserver.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.modelserver.server.HttpTestClient;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;

/**
 * Debian's Chromium, headless, driven through its own chromedriver (never a downloaded one:
 * Selenium Manager is not asked, as both paths are given). Without Chromium the tests fail, unless
 * {@code -Dconsole.browser.skip=true} says to skip them.
 *
 * <p>Properties: {@code console.chromium} (default /usr/bin/chromium), {@code console.chromedriver}
 * (/usr/bin/chromedriver), {@code console.screenshots}: a folder that also gets the screenshots
 * (the build writes them to target/console-screenshots; {@code
 * -Dconsole.screenshots=../docs/console} refreshes the committed ones).
 */
final class Browser implements AutoCloseable {
  static final Dimension DESKTOP = new Dimension(1280, 800);
  static final Dimension PHONE = new Dimension(390, 844);

  private final ChromeDriver driver;
  private final String origin;

  private Browser(ChromeDriver driver, String origin) {
    this.driver = driver;
    this.origin = origin;
  }

  private static Path chromium() {
    return Path.of(System.getProperty("console.chromium", "/usr/bin/chromium"));
  }

  private static Path chromedriver() {
    return Path.of(System.getProperty("console.chromedriver", "/usr/bin/chromedriver"));
  }

  /**
   * Fails (or, with {@code -Dconsole.browser.skip=true}, skips) the test class when Chromium or
   * chromedriver is missing; called first, before a server starts.
   */
  static void requireInstalled() {
    Path chromium = chromium();
    Path chromedriver = chromedriver();
    if (!Files.isExecutable(chromium) || !Files.isExecutable(chromedriver)) {
      String missing =
          "the console's browser tests need Debian's Chromium ("
              + chromium
              + ") and chromedriver ("
              + chromedriver
              + "): apt-get install -y chromium chromium-driver (.ci/run does), or pass"
              + " -Dconsole.browser.skip=true to skip them";
      Assumptions.assumeFalse(Boolean.getBoolean("console.browser.skip"), missing);
      Assertions.fail(missing);
    }
  }

  /** Starts Chromium for pages of {@code origin} (http://localhost:port). */
  static Browser start(String origin) {
    requireInstalled();
    Path chromium = chromium();
    Path chromedriver = chromedriver();
    System.setProperty("webdriver.chrome.driver", chromedriver.toString());
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-sync",
        "--no-first-run",
        "--force-device-scale-factor=1",
        "--window-size=" + DESKTOP.width + "," + DESKTOP.height);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.PERFORMANCE, Level.ALL);
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(chromedriver.toFile())
            .usingAnyFreePort()
            .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    return new Browser(driver, origin);
  }

  WebDriver driver() {
    return driver;
  }

  String origin() {
    return origin;
  }

  /** Opens a path of the server (with its #fragment). */
  void open(String path) {
    driver.get(origin + path);
  }

  /** Opens a full URL (another listener of the same server). */
  void openUrl(String url) {
    driver.get(url);
  }

  /** Emulates a screen of this size (the viewport, not the window), a phone's below 640 px. */
  void size(Dimension size) {
    driver.executeCdpCommand(
        "Emulation.setDeviceMetricsOverride",
        Map.of(
            "width",
            size.width,
            "height",
            size.height,
            "deviceScaleFactor",
            1,
            "mobile",
            size.width < 640));
  }

  /** The admin token the console keeps in sessionStorage; null clears it. Reloads the page. */
  void token(String token) {
    if (!driver.getCurrentUrl().startsWith(origin)) {
      open("/console/");
    }
    if (token == null) {
      driver.executeScript("sessionStorage.clear()");
    } else {
      driver.executeScript("sessionStorage.setItem('modelserver.adminToken', arguments[0])", token);
    }
  }

  WebElement find(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  List<WebElement> findAll(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  /** Waits up to {@code seconds} for a condition that answers non-null and non-false. */
  <T> T await(int seconds, String what, Function<WebDriver, T> condition) {
    return new WebDriverWait(driver, Duration.ofSeconds(seconds))
        .withMessage(() -> what + "; the page says: " + pageState())
        .pollingEvery(Duration.ofMillis(100))
        .until(condition);
  }

  /** The notice line and the console's messages, to say why a wait failed. */
  private String pageState() {
    try {
      Object notice = driver.executeScript("return document.getElementById('notice')?.textContent");
      List<String> messages =
          driver.manage().logs().get(LogType.BROWSER).getAll().stream()
              .map(LogEntry::getMessage)
              .toList();
      return "notice '" + notice + "', console " + messages + ", url " + driver.getCurrentUrl();
    } catch (RuntimeException e) {
      return e.toString();
    }
  }

  WebElement awaitElement(String css) {
    return await(
        30,
        css + " on the page",
        d ->
            d.findElements(By.cssSelector(css)).stream()
                .filter(WebElement::isDisplayed)
                .findFirst()
                .orElse(null));
  }

  /**
   * Saves the viewport as {@code <name>.png} under target/console-screenshots, and under the folder
   * of {@code console.screenshots} when set.
   */
  void screenshot(String name) {
    Path shot = driver.getScreenshotAs(OutputType.FILE).toPath();
    try {
      Path build = Path.of("target", "console-screenshots");
      Files.createDirectories(build);
      Files.copy(shot, build.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
      String docs = System.getProperty("console.screenshots", "");
      if (!docs.isBlank()) {
        Files.createDirectories(Path.of(docs));
        Files.copy(shot, Path.of(docs, name + ".png"), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      shot.toFile().delete();
    }
  }

  /**
   * Every URL the pages requested since the last call (from Chrome's performance log), except
   * {@code data:} and {@code blob:} URLs, which never leave the browser.
   */
  List<String> requestedUrls() {
    List<String> urls = new ArrayList<>();
    for (LogEntry entry : driver.manage().logs().get(LogType.PERFORMANCE)) {
      JsonNode message = HttpTestClient.JSON.readTree(entry.getMessage()).path("message");
      if (message.path("method").asString().equals("Network.requestWillBeSent")) {
        String url = message.path("params").path("request").path("url").asString();
        if (!url.startsWith("data:") && !url.startsWith("blob:")) {
          urls.add(url);
        }
      }
    }
    return urls;
  }

  /** Console messages since the last call that report a Content-Security-Policy violation. */
  List<String> policyViolations() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .map(LogEntry::getMessage)
        .filter(m -> m.contains("Content Security Policy") || m.contains("Refused to"))
        .toList();
  }

  /** Fails when a page loaded anything from outside the server or broke its own CSP. */
  void assertStayedOnTheServer() {
    assertStayedOn(List.of(origin));
  }

  /** Fails when a page loaded anything from outside these origins or broke its own CSP. */
  void assertStayedOn(List<String> origins) {
    List<String> urls = requestedUrls();
    assertThat(urls).as("requests the pages made").isNotEmpty();
    assertThat(urls)
        .as("requests outside " + origins)
        .allMatch(url -> origins.stream().anyMatch(o -> url.startsWith(o + "/")));
    assertThat(policyViolations()).as("Content-Security-Policy violations").isEmpty();
  }

  /** Runs a script in the page; for reading what the page shows. */
  Object script(String script, Object... args) {
    return driver.executeScript(script, args);
  }

  @Override
  public void close() {
    driver.quit();
  }
}
