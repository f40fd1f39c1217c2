package org.modelserver.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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

  public HttpTestClient(int port) {
    this.base = "http://localhost:" + port;
  }

  /** A status code and body, with the body parsed as JSON on demand. */
  public record Reply(int status, String body, String contentType) {
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
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  public Reply post(String path, String body) {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
  }

  public Reply post(String path, JsonNode body) {
    return post(path, JSON.writeValueAsString(body));
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
          response.headers().firstValue("Content-Type").orElse(""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
