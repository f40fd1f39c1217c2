package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Collections;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.RepositoryIndexRequest;
import org.modelserver.server.grpc.GrpcServer;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * The management (repository) API is closed by default: the loopback management listeners only, or
 * the admin token when one is configured; over REST and gRPC alike.
 */
class ManagementSecurityTest {
  private static final String INDEX = "/v2/repository/index";

  private static HttpTestClient.Reply index(int port, String host, String authorization) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + INDEX))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{}"));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return new HttpTestClient(port).send(request);
  }

  private static Status grpcIndex(ConfigurableApplicationContext server, String authorization) {
    return grpcIndex(server.getBean(GrpcServer.class).port(), authorization);
  }

  private static Status grpcIndex(int port, String authorization) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("localhost", port).usePlaintext().build();
    try {
      GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
          GRPCInferenceServiceGrpc.newBlockingStub(channel);
      if (authorization != null) {
        Metadata headers = new Metadata();
        headers.put(
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), authorization);
        stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      }
      stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    } finally {
      channel.shutdownNow();
    }
  }

  /** A non-loopback IPv4 address of this host, to call the server as a remote client would. */
  private static Optional<String> externalAddress() throws Exception {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress address : Collections.list(nic.getInetAddresses())) {
        if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
          return Optional.of(address.getHostAddress());
        }
      }
    }
    return Optional.empty();
  }

  @Nested
  class WithoutAToken {
    @Test
    void theManagementListenersServeTheIndex() {
      try (ConfigurableApplicationContext server =
          TestRepos.start("--model-repository=" + TestRepos.exampleRepo(), "--grpc-port=0")) {
        HttpTestClient.Reply reply = index(TestRepos.managementPort(server), "localhost", null);
        assertThat(reply.status()).isEqualTo(200);
        JsonNode rows = reply.json();
        assertThat(rows.toString())
            .contains(
                "{\"name\":\"classifier\",\"version\":\"1\",\"state\":\"READY\",\"reason\":\"\"}");
        assertThat(grpcIndex(server.getBean(GrpcServer.class).managementPort(), null).getCode())
            .isEqualTo(Status.Code.OK);
        assertThat(index(TestRepos.port(server), "localhost", null).status()).isEqualTo(403);
        assertThat(grpcIndex(server, null).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      }
    }

    @Test
    void remoteClientsAreForbiddenWithAWayIn() throws Exception {
      Optional<String> external = externalAddress();
      assumeThat(external).as("a non-loopback network interface").isPresent();
      try (ConfigurableApplicationContext server =
          TestRepos.start("--model-repository=" + TestRepos.exampleRepo(), "--grpc-port=0")) {
        HttpTestClient.Reply reply = index(TestRepos.port(server), external.get(), null);
        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.error()).contains("--admin-token");
        // Inference stays open to everyone.
        HttpTestClient.Reply health =
            new HttpTestClient(TestRepos.port(server))
                .send(
                    HttpRequest.newBuilder(
                            URI.create(
                                "http://"
                                    + external.get()
                                    + ":"
                                    + TestRepos.port(server)
                                    + "/v2/health/ready"))
                        .GET());
        assertThat(health.status()).isEqualTo(200);
      }
    }
  }

  @Nested
  class WithAToken {
    @Test
    void theTokenIsRequiredEvenFromLoopback() {
      try (ConfigurableApplicationContext server =
          TestRepos.start(
              "--model-repository=" + TestRepos.exampleRepo(),
              "--grpc-port=0",
              "--admin-token=s3cret-token")) {
        int port = TestRepos.port(server);
        HttpTestClient.Reply missing = index(port, "localhost", null);
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.error()).contains("Authorization: Bearer");
        assertThat(missing.body()).doesNotContain("s3cret");
        assertThat(index(port, "localhost", "Bearer wrong").status()).isEqualTo(401);
        assertThat(index(port, "localhost", "s3cret-token").status()).isEqualTo(401);
        assertThat(index(port, "localhost", "Bearer s3cret-token").status()).isEqualTo(200);

        assertThat(grpcIndex(server, null).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(grpcIndex(server, "Bearer wrong").getCode())
            .isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(grpcIndex(server, "Bearer s3cret-token").getCode()).isEqualTo(Status.Code.OK);
      }
    }
  }

  @Test
  void indexRequestFieldsAreChecked() {
    try (ConfigurableApplicationContext server =
        TestRepos.start("--model-repository=" + TestRepos.exampleRepo(), "--grpc-port=0")) {
      HttpTestClient http = TestRepos.client(server);
      assertThat(http.post(INDEX, "{\"ready\":\"yes\"}").status()).isEqualTo(400);
      assertThat(http.post(INDEX, "{\"colour\":true}").error()).contains("unknown field 'colour'");
      assertThat(http.post(INDEX, "[1]").error()).contains("JSON object");
      HttpTestClient.Reply form =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://localhost:" + TestRepos.managementPort(server) + INDEX))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"ready\":true}")));
      assertThat(form.status()).as("curl -d sends a form content type").isEqualTo(200);
      JsonNode ready = http.post(INDEX, "{\"ready\":true}").json();
      assertThat(ready.size()).isPositive();
      ready.forEach(row -> assertThat(row.get("state").stringValue()).isEqualTo("READY"));
    }
  }
}
