package org.modelserver.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.modelserver.server.security.ManagementAccess.Peer.serving;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.server.security.ManagementAccess.Denial;
import org.modelserver.server.security.ManagementAccess.Peer;

/** The rules themselves, without a server; the server tests prove they are applied. */
class ManagementAccessTest {
  private static final String REMOTE = "192.0.2.7";

  private static ManagementAccess access(String admin, String inference) {
    return new ManagementAccess(admin, "", inference, "");
  }

  /** A caller on the loopback management listener. */
  private static Peer listener(String address) {
    return new Peer(address, true);
  }

  @Test
  void withoutTokensManagementIsForTheLoopbackManagementListenerOnly() {
    ManagementAccess access = access("", "");
    for (String loopback : new String[] {"127.0.0.1", "127.8.9.10", "::1", "0:0:0:0:0:0:0:1"}) {
      assertThat(access.check(Endpoint.MANAGEMENT, listener(loopback), null))
          .as(loopback)
          .isEmpty();
      // On a serving port a loopback peer may be a proxy or sidecar relaying anyone.
      assertThat(access.check(Endpoint.MANAGEMENT, Peer.serving(loopback), null))
          .as(loopback)
          .contains(Denial.REMOTE_MANAGEMENT_DISABLED);
    }
    for (String other : new String[] {REMOTE, "10.0.0.1", "::2", "", "localhost", "x"}) {
      assertThat(access.check(Endpoint.MANAGEMENT, listener(other), null))
          .as(other)
          .contains(Denial.REMOTE_MANAGEMENT_DISABLED);
    }
    assertThat(access.check(Endpoint.MANAGEMENT, listener(null), null))
        .contains(Denial.REMOTE_MANAGEMENT_DISABLED);
    assertThat(access.check(Endpoint.INFERENCE, serving(REMOTE), null)).isEmpty();
    assertThat(access.check(Endpoint.OPEN, serving(REMOTE), null)).isEmpty();
  }

  @Test
  void anAdminTokenIsNeededFromEveryClient() {
    ManagementAccess access = access("adm", "");
    for (Peer client : new Peer[] {listener("127.0.0.1"), serving("127.0.0.1"), serving(REMOTE)}) {
      assertThat(access.check(Endpoint.MANAGEMENT, client, "Bearer adm")).isEmpty();
      assertThat(access.check(Endpoint.MANAGEMENT, client, "BEARER adm ")).isEmpty();
      for (String wrong : new String[] {"Bearer adm2", "Bearer ", "adm", "Basic adm", ""}) {
        assertThat(access.check(Endpoint.MANAGEMENT, client, wrong))
            .as(wrong)
            .contains(Denial.ADMIN_TOKEN_REQUIRED);
      }
      assertThat(access.check(Endpoint.MANAGEMENT, client, null))
          .contains(Denial.ADMIN_TOKEN_REQUIRED);
    }
    assertThat(access.check(Endpoint.INFERENCE, serving(REMOTE), null)).isEmpty();
  }

  @Test
  void anInferenceTokenGuardsInferenceAndOpensNothingElse() {
    ManagementAccess access = access("adm", "inf");
    assertThat(access.check(Endpoint.INFERENCE, serving("127.0.0.1"), null))
        .contains(Denial.INFERENCE_TOKEN_REQUIRED);
    assertThat(access.check(Endpoint.INFERENCE, serving(REMOTE), "Bearer inf")).isEmpty();
    assertThat(access.check(Endpoint.INFERENCE, serving(REMOTE), "Bearer adm")).isEmpty();
    assertThat(access.check(Endpoint.INFERENCE, serving(REMOTE), "Bearer other"))
        .contains(Denial.INFERENCE_TOKEN_REQUIRED);
    assertThat(access.check(Endpoint.MANAGEMENT, serving("127.0.0.1"), "Bearer inf"))
        .contains(Denial.ADMIN_TOKEN_REQUIRED);
    assertThat(access.check(Endpoint.OPEN, serving(REMOTE), null)).isEmpty();
  }

  @Test
  void anInferenceTokenWithoutAnAdminTokenLeavesManagementToLoopback() {
    ManagementAccess access = access("", "inf");
    assertThat(access.check(Endpoint.MANAGEMENT, listener("127.0.0.1"), null)).isEmpty();
    assertThat(access.check(Endpoint.MANAGEMENT, serving(REMOTE), "Bearer inf"))
        .contains(Denial.REMOTE_MANAGEMENT_DISABLED);
  }

  @Test
  void denialsSayWhatToSendAndNameNoToken() {
    assertThat(Denial.ADMIN_TOKEN_REQUIRED.unauthenticated()).isTrue();
    assertThat(Denial.INFERENCE_TOKEN_REQUIRED.unauthenticated()).isTrue();
    assertThat(Denial.REMOTE_MANAGEMENT_DISABLED.unauthenticated()).isFalse();
    assertThat(Denial.ADMIN_TOKEN_REQUIRED.message())
        .contains("Authorization: Bearer <admin token>");
    assertThat(Denial.INFERENCE_TOKEN_REQUIRED.message())
        .contains("Authorization: Bearer <inference token>");
    assertThat(Denial.REMOTE_MANAGEMENT_DISABLED.message())
        .contains(
            "--admin-token",
            "MODEL_SERVER_ADMIN_TOKEN",
            "--admin-token-file",
            "--management-port",
            "--grpc-management-port");
  }

  @Test
  void tokensComeFromFilesTrimmed(@TempDir Path dir) throws Exception {
    Path admin = Files.writeString(dir.resolve("admin"), "  adm\n");
    Path inference = Files.writeString(dir.resolve("inference"), "inf\n");
    ManagementAccess access = new ManagementAccess("", admin.toString(), "", inference.toString());
    assertThat(access.check(Endpoint.MANAGEMENT, serving(REMOTE), "Bearer adm")).isEmpty();
    assertThat(access.check(Endpoint.INFERENCE, serving(REMOTE), "Bearer inf")).isEmpty();
    assertThat(access.check(Endpoint.INFERENCE, serving(REMOTE), null)).isPresent();
  }

  @Test
  void aMisconfiguredTokenFailsTheStartInsteadOfOpeningTheDoor(@TempDir Path dir) throws Exception {
    Path empty = Files.writeString(dir.resolve("empty"), " \n");
    assertThatThrownBy(() -> new ManagementAccess("", "", "", empty.toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--inference-token-file")
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> new ManagementAccess("", dir.resolve("missing").toString(), "", ""))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("--admin-token-file");
    Path file = Files.writeString(dir.resolve("token"), "adm");
    assertThatThrownBy(() -> new ManagementAccess("adm", file.toString(), "", ""))
        .hasMessageContaining("both --admin-token and --admin-token-file");
  }

  @Test
  void aTokenPrintsNothingOfItself() {
    Optional<BearerToken> token = BearerToken.configured("admin-token", "s3cret", "");
    assertThat(token).isPresent();
    assertThat(token.get().toString()).doesNotContain("s3cret");
  }
}
