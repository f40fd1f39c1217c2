package org.modelserver.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.modelserver.server.TestRepos;
import org.modelserver.server.security.Callers.Call;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * When forwarded headers are honoured (as Spring Boot does by default on Kubernetes and other
 * clouds), a remote client cannot pass for a loopback one by sending {@code X-Forwarded-For}.
 */
class ForwardedHeadersTest {
  @Test
  void aForwardedLoopbackAddressDoesNotOpenManagement() {
    Optional<String> remote = Callers.externalAddress();
    assumeTrue(remote.isPresent(), "this host has no non-loopback network interface");
    try (ConfigurableApplicationContext server =
        TestRepos.start(
            "--model-repository=" + TestRepos.exampleRepo(),
            "--server.forward-headers-strategy=native",
            // Trust every peer as a proxy, as a cluster network's defaults in effect do.
            "--server.tomcat.remoteip.internal-proxies=.*")) {
      Call index = new Call("POST", "/v2/repository/index");
      for (String header : new String[] {"X-Forwarded-For", "X-Real-IP"}) {
        assertThat(
                Callers.rest(
                        server,
                        remote.get(),
                        index,
                        null,
                        request -> request.header(header, "127.0.0.1"))
                    .status())
            .as(header)
            .isEqualTo(403);
      }
      assertThat(Callers.toManagementListener(server, index, null).status()).isEqualTo(200);
    }
  }
}
