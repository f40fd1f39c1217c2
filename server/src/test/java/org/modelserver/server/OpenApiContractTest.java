package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** Keeps {@code openapi.yaml} true: every documented operation is served and vice versa. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "model-repository=${modelserver.test.repo:../model-repo}")
class OpenApiContractTest {
  private static final Set<String> HTTP_METHODS =
      Set.of("get", "put", "post", "delete", "patch", "head", "options");

  @LocalServerPort int port;

  @Autowired org.modelserver.server.security.ManagementListener managementListener;

  @Autowired
  @Qualifier("requestMappingHandlerMapping")
  RequestMappingHandlerMapping mappings;

  private static JsonNode spec() {
    Path file = TestRepos.exampleRepo().getParent().resolve("openapi.yaml");
    return YAMLMapper.builder().build().readTree(file.toFile());
  }

  private static Set<String> documented() {
    Set<String> operations = new TreeSet<>();
    for (Map.Entry<String, JsonNode> path : spec().get("paths").properties()) {
      for (String method : path.getValue().propertyNames()) {
        if (HTTP_METHODS.contains(method)) {
          operations.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
        }
      }
    }
    return operations;
  }

  private Set<String> served() {
    Set<String> operations = new TreeSet<>();
    for (Map.Entry<RequestMappingInfo, HandlerMethod> entry :
        mappings.getHandlerMethods().entrySet()) {
      if (!entry.getValue().getBeanType().getPackageName().startsWith("org.modelserver")) {
        continue;
      }
      RequestMappingInfo info = entry.getKey();
      for (String pattern : info.getPathPatternsCondition().getPatternValues()) {
        if (pattern.equals("/error")) {
          continue; // the servlet container's error page, not an API operation
        }
        for (RequestMethod method : info.getMethodsCondition().getMethods()) {
          operations.add(method.name() + " " + pattern);
        }
      }
    }
    return operations;
  }

  @Test
  void everyServedOperationIsDocumentedAndEveryDocumentedOneIsServed() {
    assertThat(served()).isNotEmpty().isEqualTo(documented());
  }

  @Test
  void everyDocumentedGetAnswersOverHttp() {
    HttpTestClient http = new HttpTestClient(port, managementListener.port());
    for (String operation : documented()) {
      if (!operation.startsWith("GET ")) {
        continue;
      }
      String path =
          operation
              .substring(4)
              .replace("{model}", "classifier")
              .replace("{version}", "1")
              .replace("{id}", "no-such-job");
      HttpTestClient.Reply reply = http.get(path);
      // A training job id that does not exist: the route answers, with 404 and a JSON error.
      int expected = path.contains("no-such-job") ? 404 : 200;
      assertThat(reply.status()).as(operation + ": " + reply.body()).isEqualTo(expected);
    }
  }

  @Test
  void documentedInferAnswersOverHttp() {
    HttpTestClient http = new HttpTestClient(port);
    String body =
        "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}";
    for (String operation : documented()) {
      if (operation.startsWith("POST ") && operation.endsWith("/infer")) {
        String path =
            operation.substring(5).replace("{model}", "classifier").replace("{version}", "1");
        assertThat(http.post(path, body).status()).as(operation).isEqualTo(200);
      }
    }
  }
}
