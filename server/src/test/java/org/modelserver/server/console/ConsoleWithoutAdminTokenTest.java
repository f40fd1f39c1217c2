package org.modelserver.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.server.TestRepos;
import org.openqa.selenium.Keys;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * With no admin token configured, the console follows the server's rules as curl does: management
 * from the serving port is refused with a clear 403 (no token would help, so none is asked for),
 * and the same page on the loopback management port manages without a token.
 */
class ConsoleWithoutAdminTokenTest {
  private static final String MODEL = "identity_types";
  private static final int BULK = 120;

  @TempDir static Path repo;
  private static ConfigurableApplicationContext server;
  private static Browser browser;

  @BeforeAll
  static void start() {
    Browser.requireInstalled();
    TestRepos.copyModel(MODEL, repo);
    // A repository of many models: listed in the index, not loaded (explicit mode).
    for (int i = 0; i < BULK; i++) {
      TestRepos.copyTree(
          TestRepos.exampleRepo().resolve(MODEL), repo.resolve(String.format("bulk_%03d", i)));
    }
    server =
        TestRepos.start(
            "--model-repository=" + repo, "--model-control-mode=explicit", "--load-model=" + MODEL);
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
    browser.find("#action-load").click();
    browser.await(
        60, "the load", d -> browser.find("#manage-result").getText().startsWith("Load: done"));
    browser.assertStayedOn(List.of(browser.origin(), management));
  }

  @Test
  void hundredsOfModelsArePagedAndFiltered() {
    String management = "http://127.0.0.1:" + TestRepos.managementPort(server);
    browser.size(Browser.DESKTOP);
    browser.openUrl(management + "/console/#/models");
    browser.awaitElement("#models-table");
    assertThat(browser.find("#models-summary").getText()).isEqualTo("121 of 121 models, 1–50");
    assertThat(browser.findAll("#models-table tbody tr")).hasSize(50);
    browser.findAll(".pager button").get(1).click();
    browser.await(
        10, "the second page", d -> browser.find("#models-summary").getText().endsWith("51–100"));

    browser.find("#model-filter").sendKeys("bulk_11");
    browser.await(
        10,
        "the filtered list",
        d -> browser.find("#models-summary").getText().equals("10 of 121 models"));
    assertThat(browser.find("#models-table tbody tr").getAttribute("data-model"))
        .isEqualTo("bulk_110");
    assertThat(browser.find("#models-table tbody tr").getText()).contains("not loaded");

    browser.find("#model-filter").sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
    browser.find("#state-filter option[value='UNAVAILABLE']").click();
    browser.await(
        10,
        "the models not loaded",
        d -> browser.find("#models-summary").getText().startsWith("120 of 121 models"));
    browser.find("#state-filter option[value='READY']").click();
    browser.await(
        10,
        "the ready models",
        d -> browser.find("#models-summary").getText().equals("1 of 121 models"));
    browser.assertStayedOn(List.of(management));
  }
}
