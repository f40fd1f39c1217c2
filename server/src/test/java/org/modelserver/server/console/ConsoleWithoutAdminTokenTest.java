package org.modelserver.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.server.TestRepos;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * With no admin token configured, the console follows the server's rules as curl does: management
 * from the serving port is refused with a clear 403 (no token would help, so none is asked for),
 * and the same page on the loopback management port manages without a token.
 */
class ConsoleWithoutAdminTokenTest {
  private static final String MODEL = "identity_types";

  @TempDir static Path repo;
  private static ConfigurableApplicationContext server;
  private static Browser browser;

  @BeforeAll
  static void start() {
    TestRepos.copyModel(MODEL, repo);
    server =
        TestRepos.start(
            "--model-repository=" + repo, "--model-control-mode=explicit", "--load-model=*");
    browser = Browser.start("http://localhost:" + TestRepos.port(server));
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

  @Test
  void theServingPortRefusesManagementAndTheManagementPortAllowsIt() {
    String management = "http://127.0.0.1:" + TestRepos.managementPort(server);
    browser.size(Browser.DESKTOP);
    browser.open("/console/#/models/" + MODEL);
    browser.awaitElement("#action-unload").click();
    browser.await(10, "a confirmation", ExpectedConditions.alertIsPresent()).accept();
    browser.await(
        30, "the refusal", d -> browser.find("#manage-result").getText().contains("Unload failed"));
    assertThat(browser.find("#manage-result").getText())
        .contains("Forbidden (403)", "management port");
    assertThat(browser.find("#token-dialog").getAttribute("open")).isNull();
    browser.screenshot("forbidden");

    browser.openUrl(management + "/console/#/models/" + MODEL);
    browser.awaitElement("#action-unload").click();
    browser.await(10, "a confirmation", ExpectedConditions.alertIsPresent()).accept();
    browser.await(
        30, "the unload", d -> browser.find("#manage-result").getText().startsWith("Unload: done"));
    browser.assertStayedOn(List.of(browser.origin(), management));
  }
}
