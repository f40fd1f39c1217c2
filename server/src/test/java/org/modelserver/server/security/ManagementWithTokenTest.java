package org.modelserver.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.Status;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.modelserver.server.TestRepos;
import org.modelserver.server.security.Callers.Call;
import org.modelserver.server.security.Callers.Reply;
import org.modelserver.server.security.Callers.Rpc;
import org.springframework.context.ConfigurableApplicationContext;

/** With an admin token, every management endpoint needs it, from remote and loopback alike. */
class ManagementWithTokenTest {
  private static final String TOKEN = "admin-7f3c9a";
  private static final Optional<String> REMOTE = Callers.externalAddress();
  private static ConfigurableApplicationContext server;

  @BeforeAll
  static void start() {
    server =
        TestRepos.start("--model-repository=" + TestRepos.exampleRepo(), "--admin-token=" + TOKEN);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String remote() {
    assumeTrue(REMOTE.isPresent(), "this host has no non-loopback network interface");
    return REMOTE.get();
  }

  static Stream<Call> managementCalls() {
    return ApiCalls.management().stream();
  }

  static Stream<Arguments> managementRpcs() {
    return ApiCalls.managementRpcs().entrySet().stream()
        .map(rpc -> Arguments.of(rpc.getKey(), rpc.getValue()));
  }

  private static void assertUnauthenticated(Reply reply) {
    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.wwwAuthenticate()).isEqualTo("Bearer");
    assertThat(reply.error()).contains("admin token", "Authorization: Bearer");
    assertThat(reply.body()).doesNotContain(TOKEN);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("managementCalls")
  void remoteClientsWithoutTheTokenAreUnauthenticated(Call call) {
    assertUnauthenticated(Callers.rest(server, remote(), call, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("managementCalls")
  void remoteClientsWithAWrongTokenAreUnauthenticated(Call call) {
    String remote = remote();
    assertUnauthenticated(Callers.rest(server, remote, call, "Bearer wrong-" + TOKEN));
    assertUnauthenticated(Callers.rest(server, remote, call, TOKEN));
    assertUnauthenticated(Callers.rest(server, remote, call, "Basic " + TOKEN));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("managementCalls")
  void loopbackClientsNeedTheTokenToo(Call call) {
    assertUnauthenticated(Callers.rest(server, Callers.LOOPBACK, call, null));
    assertUnauthenticated(Callers.rest(server, Callers.LOOPBACK, call, "Bearer wrong"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("managementCalls")
  void theTokenLetsRemoteClientsThrough(Call call) {
    assertThat(Callers.rest(server, remote(), call, "Bearer " + TOKEN).status()).isNotIn(401, 403);
  }

  @Test
  void theTokenReadsTheIndex() {
    Call index = new Call("POST", "/v2/repository/index");
    assertThat(Callers.rest(server, remote(), index, "Bearer " + TOKEN).status()).isEqualTo(200);
    assertThat(Callers.rest(server, remote(), index, "bearer  " + TOKEN).status())
        .as("the scheme is case-insensitive")
        .isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("managementRpcs")
  void repositoryRpcsNeedTheToken(String name, Rpc rpc) {
    String remote = remote();
    Status missing = Callers.grpc(server, remote, null, rpc);
    assertThat(missing.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(missing.getDescription()).contains("Authorization: Bearer");
    assertThat(Callers.grpc(server, remote, "Bearer wrong", rpc).getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(Callers.grpc(server, Callers.LOOPBACK, null, rpc).getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(Callers.grpc(server, remote, "Bearer " + TOKEN, rpc).getCode())
        .isNotIn(Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "POST //v2/repository/index",
        "POST /v2//repository/index",
        "POST /v2/repository/index/",
        "POST /v2/repository/./index",
        "POST /v2/models/x/../../repository/index",
        "POST /v2/models/x/%2e%2e/%2E%2E/repository/index",
        "POST /v2/repository;jsessionid=abc/index",
        "POST /v2/repository/index;jsessionid=abc",
        "POST /v2/%72epository/index",
        "POST /V2/REPOSITORY/index",
        "POST /v2/training/../training/jobs",
        "PUT /v2/models/x/default/",
        "PUT /v2/models/x/%64efault",
        "PUT /v2/models/x/versions/1/default;v=1",
        "PUT /v2/models/../default",
        "PUT /v2/models/%2e%2e/versions/1/default",
        "POST /v2/health/../models/x/finetune",
        "POST /v2/health/live/../../models/x/versions/1/finetune",
        "GET /v2/health/ready/../../training/jobs",
      })
  void noSpellingOfAManagementPathEscapesTheGuard(String request) {
    String[] parts = request.split(" ");
    assertThat(Callers.rawStatus(server, Callers.LOOPBACK, parts[0], parts[1], null))
        .isEqualTo(401);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {"/v2/repository%2Findex", "/v2\\repository\\index", "/v2/repository/index%00"})
  void spellingsTheContainerRejectsNeverReachTheApi(String target) {
    assertThat(Callers.rawStatus(server, Callers.LOOPBACK, "POST", target, null)).isEqualTo(400);
  }

  @Test
  void inferenceStaysOpenWithoutAnInferenceToken() {
    Call metadata = new Call("GET", "/v2/models/classifier");
    assertThat(Callers.rest(server, remote(), metadata, null).status()).isEqualTo(200);
  }
}
