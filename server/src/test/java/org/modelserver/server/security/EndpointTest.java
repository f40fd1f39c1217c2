package org.modelserver.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "/v2/repository",
        "/v2/repository/index",
        "/v2/repository/models/m/load",
        "/v2/repository/anything/at/all",
        "/v2/models/m/default",
        "/v2/models/m/versions/3/default",
        "/v2/models/m/traffic",
        "/v2/models/m/rollout",
        "/v2/models/m/versions/2/rollout",
        "/v2/models/m/TRAFFIC",
        "/v2/models/m/shadow",
        "/v2/models/m/finetune",
        "/v2/models/m/versions/3/finetune",
        "/v2/training",
        "/v2/training/jobs/7",
        "//v2//repository/index/",
        "/V2/Repository/Index",
        "/v2/models/m/DEFAULT",
      })
  void managementPaths(String path) {
    assertThat(Endpoint.ofRestPath(path)).isEqualTo(Endpoint.MANAGEMENT);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/v2/health/live",
        "/v2/health/ready",
        "/v2/health/ready/",
        "/v2/models/m/ready",
        "/v2/models/m/versions/3/ready",
        "/metrics",
        "/error",
        "/",
        "",
        "/console/",
        "/console/js/app.js",
        "/webjars/uplot/dist/uPlot.esm.js",
        "/swagger-ui/index.html",
        "/openapi.yaml",
      })
  void openPaths(String path) {
    assertThat(Endpoint.ofRestPath(path)).isEqualTo(Endpoint.OPEN);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/v2",
        "/v2/",
        "/v2/models/m",
        "/v2/models/m/versions/3",
        "/v2/models/m/config",
        "/v2/models/m/infer",
        "/v2/models/m/versions/3/infer",
        "/v2/models/stats",
        "/v2/models/m/stats",
        "/v2/health",
        "/v2/health/other",
        "/v2/models/default",
        "/v2/models/ready",
        "/v2/models/m/versions/default",
        "/v2/models/m/ready/extra",
        "/v2/models/m/default/extra",
        "/v2/repositoryx/index",
        "/v2/unknown",
      })
  void everythingElseUnderV2IsInference(String path) {
    assertThat(Endpoint.ofRestPath(path)).isEqualTo(Endpoint.INFERENCE);
  }

  @Test
  void grpcMethods() {
    String service = "inference.GRPCInferenceService/";
    for (String method :
        new String[] {"RepositoryIndex", "RepositoryModelLoad", "RepositoryModelUnload"}) {
      assertThat(Endpoint.ofGrpcMethod(service + method)).as(method).isEqualTo(Endpoint.MANAGEMENT);
    }
    for (String method : new String[] {"ServerLive", "ServerReady", "ModelReady"}) {
      assertThat(Endpoint.ofGrpcMethod(service + method)).as(method).isEqualTo(Endpoint.OPEN);
    }
    for (String method :
        new String[] {
          "ServerMetadata",
          "ModelMetadata",
          "ModelInfer",
          "ModelStreamInfer",
          "ModelConfig",
          "ModelStatistics",
          "SomethingNew"
        }) {
      assertThat(Endpoint.ofGrpcMethod(service + method)).as(method).isEqualTo(Endpoint.INFERENCE);
    }
    assertThat(Endpoint.ofGrpcMethod("grpc.health.v1.Health/Check")).isEqualTo(Endpoint.OPEN);
    assertThat(Endpoint.ofGrpcMethod("grpc.reflection.v1.ServerReflection/ServerReflectionInfo"))
        .isEqualTo(Endpoint.OPEN);
  }
}
