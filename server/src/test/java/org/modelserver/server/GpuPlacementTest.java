package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.runtime.device.CudaInventory;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * {@code KIND_GPU} and {@code KIND_AUTO} through the real server on a host without a GPU (every CI
 * host): the index and the config view say where each instance runs, or why it does not.
 */
class GpuPlacementTest {
  private static final String REQUEST =
      "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}";

  @TempDir static Path repo;

  @BeforeAll
  static void models() throws IOException {
    assumeTrue(
        CudaInventory.discover().gpus().isEmpty(), "these expectations are for a GPU-less host");
    copyWithGroups("on_gpu", "[{count: 2, kind: KIND_GPU, gpus: [0]}]");
    copyWithGroups("auto", "[{count: 2, kind: KIND_AUTO}]");
    copyWithGroups("on_cpu", "[{count: 1, kind: KIND_CPU}]");
  }

  private static void copyWithGroups(String name, String groups) throws IOException {
    TestRepos.copyModel("classifier", repo);
    Files.move(repo.resolve("classifier"), repo.resolve(name));
    Path config = repo.resolve(name).resolve("config.yaml");
    Files.writeString(config, Files.readString(config) + "instance_group: " + groups + "\n");
  }

  private static JsonNode row(HttpTestClient http, String model) {
    for (JsonNode row : http.post("/v2/repository/index", "").json()) {
      if (row.get("name").stringValue().equals(model)
          && row.get("version").stringValue().equals("2")) {
        return row;
      }
    }
    throw new AssertionError("no index row for " + model + " version 2");
  }

  private static JsonNode groups(HttpTestClient http, String model) {
    return http.get("/v2/models/" + model + "/config").json().get("instance_group");
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class FallbackFail {
    private ConfigurableApplicationContext server;
    private HttpTestClient http;

    @BeforeAll
    void start() {
      server = TestRepos.start("--model-repository=" + repo, "--grpc-port=0");
      http = TestRepos.client(server);
    }

    @AfterAll
    void stop() {
      server.close();
    }

    @Test
    void kindGpuIsUnavailableWithTheReason() {
      JsonNode row = row(http, "on_gpu");
      assertThat(row.get("state").stringValue()).isEqualTo("UNAVAILABLE");
      assertThat(row.get("reason").stringValue())
          .contains("instance_group[0] asks for KIND_GPU")
          .contains("no CUDA device")
          .contains("--gpu-fallback=cpu");
      assertThat(http.post("/v2/models/on_gpu/infer", REQUEST).status()).isEqualTo(503);
    }

    @Test
    void kindAutoRunsOnTheCpuAndTheConfigSaysSo() {
      assertThat(row(http, "auto").get("state").stringValue()).isEqualTo("READY");
      JsonNode groups = groups(http, "auto");
      assertThat(groups).hasSize(1);
      assertThat(groups.get(0).get("kind").stringValue()).isEqualTo("KIND_CPU");
      assertThat(groups.get(0).get("count").intValue()).isEqualTo(2);
      assertThat(http.post("/v2/models/auto/infer", REQUEST).status()).isEqualTo(200);
    }

    @Test
    void kindCpuIsUnchanged() {
      JsonNode row = row(http, "on_cpu");
      assertThat(row.get("state").stringValue()).isEqualTo("READY");
      assertThat(row.get("reason").stringValue()).isEmpty();
    }

    @Test
    void noGpuMetricsWithoutAGpu() {
      assertThat(http.get("/metrics").body()).doesNotContain("nv_gpu_");
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class FallbackCpu {
    private ConfigurableApplicationContext server;
    private HttpTestClient http;

    @BeforeAll
    void start() {
      server = TestRepos.start("--model-repository=" + repo, "--grpc-port=0", "--gpu-fallback=cpu");
      http = TestRepos.client(server);
    }

    @AfterAll
    void stop() {
      server.close();
    }

    @Test
    void kindGpuLoadsOnTheCpuAndTheIndexAndConfigSaySo() {
      JsonNode row = row(http, "on_gpu");
      assertThat(row.get("state").stringValue()).isEqualTo("READY");
      assertThat(row.get("reason").stringValue())
          .contains("KIND_GPU runs on the CPU (--gpu-fallback=cpu)")
          .contains("no CUDA device");
      JsonNode groups = groups(http, "on_gpu");
      assertThat(groups).hasSize(1);
      assertThat(groups.get(0).get("kind").stringValue()).isEqualTo("KIND_CPU");
      assertThat(groups.get(0).get("count").intValue()).isEqualTo(2);
      assertThat(http.post("/v2/models/on_gpu/infer", REQUEST).status()).isEqualTo(200);
    }
  }

  @Test
  void aFallbackOtherThanCpuOrFailStopsTheStart() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> TestRepos.start("--model-repository=" + repo, "--gpu-fallback=gpu"))
        .hasStackTraceContaining("gpu-fallback must be cpu or fail");
  }
}
