package org.modelserver.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.Status;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.modelserver.server.TestRepos;
import org.modelserver.server.security.Callers.Call;
import org.modelserver.server.security.Callers.Reply;
import org.modelserver.server.security.Callers.Rpc;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * With no admin token, management is served only on the loopback management listeners, never on the
 * serving ports (where a loopback peer may be a relaying proxy); the rest stays open.
 */
class ManagementWithoutTokenTest {
  private static ConfigurableApplicationContext server;
  private static final Optional<String> REMOTE = Callers.externalAddress();

  @BeforeAll
  static void start() {
    server = TestRepos.start("--model-repository=" + TestRepos.exampleRepo());
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

  static Stream<Call> openAndInferenceCalls() {
    return Stream.concat(ApiCalls.open().stream(), ApiCalls.inference().stream());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("managementCalls")
  void remoteClientsAreForbiddenWithAWayIn(Call call) {
    Reply reply = Callers.rest(server, remote(), call, null);
    assertThat(reply.status()).isEqualTo(403);
    assertThat(reply.wwwAuthenticate()).isEmpty();
    assertThat(reply.error()).contains("--admin-token", "Authorization: Bearer");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("managementCalls")
  void aTokenDoesNotHelpWhenNoneIsConfigured(Call call) {
    assertThat(Callers.rest(server, remote(), call, "Bearer anything").status()).isEqualTo(403);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("managementCalls")
  void theManagementListenerServesItsLoopbackClients(Call call) {
    assertThat(Callers.toManagementListener(server, call, null).status()).isNotIn(401, 403);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("managementCalls")
  void loopbackClientsOfTheServingPortAreForbidden(Call call) {
    Reply reply = Callers.rest(server, Callers.LOOPBACK, call, null);
    assertThat(reply.status()).isEqualTo(403);
    assertThat(reply.error()).contains("--management-port", "--admin-token");
  }

  @Test
  void theManagementListenerServesTheIndex() {
    Reply reply =
        Callers.toManagementListener(server, new Call("POST", "/v2/repository/index"), null);
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body()).contains("\"name\":\"classifier\"");
  }

  @Test
  void theManagementListenerIsBoundToLoopbackOnly() {
    String remote = remote();
    int port = TestRepos.managementPort(server);
    assertThatThrownBy(() -> new java.net.Socket(remote, port).close())
        .isInstanceOf(java.net.ConnectException.class);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("managementRpcs")
  void remoteClientsAreForbiddenTheRepositoryRpcs(String name, Rpc rpc) {
    Status status = Callers.grpc(server, remote(), null, rpc);
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).contains("--admin-token");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("managementRpcs")
  void theGrpcManagementListenerServesTheRepositoryRpcs(String name, Rpc rpc) {
    assertThat(Callers.grpcToManagementListener(server, null, rpc).getCode())
        .isNotIn(Status.Code.PERMISSION_DENIED, Status.Code.UNAUTHENTICATED);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("managementRpcs")
  void loopbackClientsOfTheServingGrpcPortAreForbiddenTheRepositoryRpcs(String name, Rpc rpc) {
    Status status = Callers.grpc(server, Callers.LOOPBACK, null, rpc);
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).contains("--grpc-management-port");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("openAndInferenceCalls")
  void healthAndInferenceStayOpenToRemoteClients(Call call) {
    assertThat(Callers.rest(server, remote(), call, null).status()).isEqualTo(200);
  }

  @Test
  void inferenceRpcsStayOpenToRemoteClients() {
    String remote = remote();
    Map<String, Rpc> rpcs = ApiCalls.inferenceRpcs();
    rpcs.forEach(
        (name, rpc) ->
            assertThat(Callers.grpc(server, remote, null, rpc).getCode())
                .as(name)
                .isEqualTo(Status.Code.OK));
  }

  @Test
  void spellingsOfAManagementPathAreForbiddenToo() {
    String remote = remote();
    for (String target :
        new String[] {
          "//v2/repository/index",
          "/v2/repository/index/",
          "/v2/models/x/../../repository/index",
          "/v2/repository;jsessionid=1/index",
          "/v2/%72epository/index",
        }) {
      assertThat(Callers.rawStatus(server, remote, "POST", target, null)).as(target).isEqualTo(403);
    }
  }
}
