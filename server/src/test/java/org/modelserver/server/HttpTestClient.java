package org.modelserver.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.modelserver.server.security.Endpoint;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** A small HTTP client for tests that talk to the real server over the network. */
public final class HttpTestClient {
  public static final ObjectMapper JSON = JsonMapper.builder().build();

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private final String base;
  private final String managementBase;

  /** A client of one port, management included (which then needs the admin token). */
  public HttpTestClient(int port) {
    this(port, port);
  }

  /**
   * A client that sends management requests (as {@link Endpoint#ofRestPath} sorts them) to the
   * loopback management listener, where they need no token, and the rest to the serving port.
   */
  public HttpTestClient(int port, int managementPort) {
    this.base = "http://localhost:" + port;
    this.managementBase = "http://localhost:" + managementPort;
  }

  /** The URI of a path: on the management listener for management paths, else the main port. */
  public URI uri(String path) {
    return URI.create(base(path) + path);
  }

  private String base(String path) {
    int query = path.indexOf('?');
    String bare = query < 0 ? path : path.substring(0, query);
    return Endpoint.ofRestPath(bare) == Endpoint.MANAGEMENT ? managementBase : base;
  }

  /** A status code, headers and body, with the body parsed as JSON on demand. */
  public record Reply(int status, String body, String contentType, HttpHeaders headers) {
    public Reply(int status, String body, String contentType) {
      this(status, body, contentType, HttpHeaders.of(java.util.Map.of(), (name, value) -> true));
    }

    /** A header's first value. */
    public java.util.Optional<String> header(String name) {
      return headers.firstValue(name);
    }

    public JsonNode json() {
      return JSON.readTree(body);
    }

    /** The {@code error} message of an error body (and a check that the body is exactly that). */
    public String error() {
      JsonNode node = json();
      if (!node.isObject() || node.size() != 1 || !node.has("error")) {
        throw new AssertionError("not an error body {\"error\": ...}: " + body);
      }
      return node.get("error").stringValue();
    }
  }

  public Reply get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base(path) + path)).GET());
  }

  public Reply post(String path, String body) {
    return send(
        HttpRequest.newBuilder(URI.create(base(path) + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
  }

  public Reply put(String path, String body) {
    return send(
        HttpRequest.newBuilder(URI.create(base(path) + path))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
  }

  public Reply delete(String path) {
    return send(HttpRequest.newBuilder(URI.create(base(path) + path)).DELETE());
  }

  public Reply post(String path, JsonNode body) {
    return post(path, JSON.writeValueAsString(body));
  }

  /** A reply read as bytes, with the binary extension's header when present. */
  public record BinaryReply(int status, byte[] body, int headerLength, String contentType) {
    /** The JSON part: the header's length of bytes, or the whole body. */
    public JsonNode json() {
      int length = headerLength < 0 ? body.length : headerLength;
      return JSON.readTree(new String(body, 0, length, StandardCharsets.UTF_8));
    }

    /** The binary part that follows the JSON. */
    public java.nio.ByteBuffer binary() {
      int start = headerLength < 0 ? body.length : headerLength;
      return java.nio.ByteBuffer.wrap(body, start, body.length - start)
          .slice()
          .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    }
  }

  /**
   * POSTs a body with {@code Inference-Header-Content-Length: headerLength} (none when negative).
   */
  public BinaryReply postBinary(String path, byte[] body, int headerLength) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base(path) + path))
            .header("Content-Type", "application/octet-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (headerLength >= 0) {
      request.header("Inference-Header-Content-Length", Integer.toString(headerLength));
    }
    try {
      HttpResponse<byte[]> response =
          client.send(
              request.timeout(Duration.ofSeconds(60)).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      return new BinaryReply(
          response.statusCode(),
          response.body(),
          response
              .headers()
              .firstValue("Inference-Header-Content-Length")
              .map(Integer::parseInt)
              .orElse(-1),
          response.headers().firstValue("Content-Type").orElse(""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Sends bytes as they are, for requests a proper client refuses to build; returns the reply. */
  public String raw(String request) {
    URI uri = URI.create(base);
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Reply send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          client.send(
              request.timeout(Duration.ofSeconds(60)).build(),
              HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Reply(
          response.statusCode(),
          response.body(),
          response.headers().firstValue("Content-Type").orElse(""),
          response.headers());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
