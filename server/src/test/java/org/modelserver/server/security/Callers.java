package org.modelserver.server.security;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.TestRepos;
import org.modelserver.server.grpc.GrpcServer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Calls a test server over REST and gRPC as a given client: from loopback, or from a non-loopback
 * address of this host (which the server sees as a remote client), with a given authorization.
 */
final class Callers {
  static final String LOOPBACK = "127.0.0.1";

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private Callers() {}

  /** A method and path, and the body POST and PUT send ({@code {}} unless given). */
  record Call(String method, String path, String body) {
    Call(String method, String path) {
      this(method, path, "{}");
    }

    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  /**
   * A non-loopback address of this host (IPv4 preferred): connecting to it from here reaches the
   * server over a real interface, so the server sees this address, not loopback, as the client.
   */
  static Optional<String> externalAddress() {
    try {
      List<InetAddress> candidates = new ArrayList<>();
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (nic.isUp() && !nic.isLoopback()) {
          for (InetAddress address : Collections.list(nic.getInetAddresses())) {
            if (!address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
              candidates.add(address);
            }
          }
        }
      }
      return candidates.stream()
          .sorted((a, b) -> Boolean.compare(b instanceof Inet4Address, a instanceof Inet4Address))
          .map(InetAddress::getHostAddress)
          .findFirst();
    } catch (SocketException e) {
      return Optional.empty();
    }
  }

  static int grpcPort(ConfigurableApplicationContext server) {
    return server.getBean(GrpcServer.class).port();
  }

  /** A reply's status, body and {@code WWW-Authenticate} header ("" when absent). */
  record Reply(int status, String body, String wwwAuthenticate) {
    /** The message of an {@code {"error": ...}} body; fails on any other body. */
    String error() {
      return new HttpTestClient.Reply(status, body, "application/json").error();
    }
  }

  /** Sends a REST call to {@code host}; {@code authorization} may be null (no header). */
  static Reply rest(
      ConfigurableApplicationContext server, String host, Call call, String authorization) {
    return rest(server, host, call, authorization, request -> {});
  }

  static Reply rest(
      ConfigurableApplicationContext server,
      String host,
      Call call,
      String authorization,
      Consumer<HttpRequest.Builder> customizer) {
    return rest(host, TestRepos.port(server), call, authorization, customizer);
  }

  /** Sends a REST call to the loopback management listener. */
  static Reply toManagementListener(
      ConfigurableApplicationContext server, Call call, String authorization) {
    return rest(LOOPBACK, TestRepos.managementPort(server), call, authorization, request -> {});
  }

  /** Sends a REST call to {@code host:port}; {@code authorization} may be null (no header). */
  static Reply rest(
      String host,
      int port,
      Call call,
      String authorization,
      Consumer<HttpRequest.Builder> customizer) {
    URI uri = URI.create("http://" + hostInUrl(host) + ":" + port + call.path());
    boolean hasBody = call.method().equals("POST") || call.method().equals("PUT");
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(60))
            .method(
                call.method(),
                hasBody
                    ? HttpRequest.BodyPublishers.ofString(call.body())
                    : HttpRequest.BodyPublishers.noBody());
    if (hasBody) {
      request.header("Content-Type", "application/json");
    }
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    customizer.accept(request);
    try {
      HttpResponse<String> response =
          HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Reply(
          response.statusCode(),
          response.body(),
          response.headers().firstValue("WWW-Authenticate").orElse(""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Sends a request target exactly as written (no client normalises it) to {@code host}, and
   * returns the status code.
   */
  static int rawStatus(
      ConfigurableApplicationContext server,
      String host,
      String method,
      String target,
      String authorization) {
    try (Socket socket = new Socket(host, TestRepos.port(server))) {
      socket.setSoTimeout(60_000);
      String request =
          method
              + " "
              + target
              + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
              + "Content-Type: application/json\r\nContent-Length: 2\r\n"
              + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
              + "\r\n{}";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String[] statusLine = reply.split("\r\n", 2)[0].split(" ");
      return Integer.parseInt(statusLine[1]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A gRPC channel to the server at {@code host}; close it after use. */
  static ManagedChannel channel(ConfigurableApplicationContext server, String host) {
    return NettyChannelBuilder.forAddress(host, grpcPort(server)).usePlaintext().build();
  }

  static GRPCInferenceServiceBlockingStub stub(ManagedChannel channel, String authorization) {
    GRPCInferenceServiceBlockingStub stub =
        GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.MINUTES);
    return authorization == null
        ? stub
        : stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(authorization)));
  }

  static Metadata bearer(String authorization) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), authorization);
    return headers;
  }

  /** A call on a stub; the status it ends with. */
  interface Rpc {
    void call(GRPCInferenceServiceBlockingStub stub);
  }

  static Status grpc(
      ConfigurableApplicationContext server, String host, String authorization, Rpc rpc) {
    return grpc(host, grpcPort(server), authorization, rpc);
  }

  /** A call to the loopback gRPC management listener; the status it ends with. */
  static Status grpcToManagementListener(
      ConfigurableApplicationContext server, String authorization, Rpc rpc) {
    return grpc(LOOPBACK, server.getBean(GrpcServer.class).managementPort(), authorization, rpc);
  }

  /** A call to {@code host:port}; the status it ends with. */
  static Status grpc(String host, int port, String authorization, Rpc rpc) {
    ManagedChannel channel = NettyChannelBuilder.forAddress(host, port).usePlaintext().build();
    try {
      rpc.call(stub(channel, authorization));
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    } finally {
      channel.shutdownNow();
    }
  }

  private static String hostInUrl(String host) {
    return host.contains(":") ? "[" + host + "]" : host;
  }
}
