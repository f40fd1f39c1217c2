package org.modelserver.server.security;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The URLs models may be fetched from ({@code --model-url-allowlist}, comma-separated prefixes),
 * and the fetching itself. A URL must be http or https, carry no user-info, and after normalisation
 * (scheme and host in lower case, default port dropped, dot segments resolved) start with an
 * allowed prefix. A prefix that does not end with '/' allows only itself, so {@code https://a.com}
 * (which normalises to {@code https://a.com/}) allows that host and {@code
 * https://a.com/model.onnx} exactly that file; neither allows {@code https://a.com.evil.net/}. An
 * empty list allows nothing.
 */
@Component
public final class ModelUrls {
  private static final Logger log = LoggerFactory.getLogger(ModelUrls.class);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  private final List<URI> prefixes;
  private final Duration connectTimeout;
  private final Duration readTimeout;

  @Autowired
  public ModelUrls(@Value("${modelserver.model-url-allowlist:}") String allowlist) {
    this(allowlist, CONNECT_TIMEOUT, READ_TIMEOUT);
  }

  /**
   * @param allowlist comma-separated URL prefixes
   * @param readTimeout the longest wait for the response headers, and for each part of the body
   */
  public ModelUrls(String allowlist, Duration connectTimeout, Duration readTimeout) {
    List<URI> parsed = new ArrayList<>();
    for (String prefix : allowlist == null ? new String[0] : allowlist.split(",")) {
      if (prefix.isBlank()) {
        continue;
      }
      try {
        URI uri = normalise(prefix);
        if (uri.getRawQuery() != null) {
          throw ServingException.invalidArgument("it has a query");
        }
        parsed.add(uri);
      } catch (ServingException e) {
        throw new IllegalArgumentException(
            "--model-url-allowlist: '" + prefix.trim() + "' is not a URL prefix: " + e.getMessage(),
            e);
      }
    }
    this.prefixes = List.copyOf(parsed);
    this.connectTimeout = connectTimeout;
    this.readTimeout = readTimeout;
  }

  /**
   * The URL, normalised, when models may be fetched from it.
   *
   * @throws ServingException INVALID_ARGUMENT naming the reason otherwise
   */
  public URI check(String url) {
    if (prefixes.isEmpty()) {
      throw ServingException.invalidArgument(
          "fetching models from URLs is disabled: the allowlist (--model-url-allowlist) is empty");
    }
    URI uri = normalise(url);
    String text = uri.toString();
    for (URI prefix : prefixes) {
      String allowed = prefix.toString();
      if (text.equals(allowed) || (allowed.endsWith("/") && text.startsWith(allowed))) {
        return uri;
      }
    }
    throw ServingException.invalidArgument(
        describe(uri)
            + " is not under an allowed prefix (--model-url-allowlist: "
            + String.join(", ", prefixes.stream().map(URI::toString).toList())
            + ")");
  }

  /**
   * Downloads an allowed URL into a new file in {@code tempDir}, which the caller then owns.
   * Redirects are not followed. On any failure nothing is left behind.
   *
   * @throws ServingException INVALID_ARGUMENT for a URL {@link #check} refuses or a redirect,
   *     TOO_LARGE past {@code maxBytes}, UNAVAILABLE for a non-2xx status, a network failure or a
   *     timeout
   */
  public Path fetch(String url, long maxBytes, Path tempDir) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    }
    URI uri = check(url);
    Path file;
    try {
      file = Files.createTempFile(tempDir, "fetch-", ".part");
    } catch (IOException e) {
      throw ServingException.internal("cannot create a file in " + tempDir, e);
    }
    // A client per fetch: fetches are rare, and an idle client keeps a selector thread.
    HttpClient client =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(connectTimeout)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(readTimeout).GET().build();
    boolean fetched = false;
    try {
      HttpResponse<Flow.Publisher<List<ByteBuffer>>> response =
          client.send(request, HttpResponse.BodyHandlers.ofPublisher());
      int status = response.statusCode();
      if (status < 200 || status > 299) {
        response.body().subscribe(new Discarding());
        throw statusError(uri, response);
      }
      long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
      if (declared > maxBytes) {
        response.body().subscribe(new Discarding());
        throw tooLarge(uri, maxBytes);
      }
      long size = download(uri, response.body(), file, maxBytes);
      fetched = true;
      log.info("Fetched {} ({} bytes)", describe(uri), size);
      return file;
    } catch (HttpTimeoutException e) {
      throw ServingException.unavailable("cannot fetch " + describe(uri) + ": timed out");
    } catch (IOException e) {
      throw ServingException.unavailable("cannot fetch " + describe(uri) + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ServingException.unavailable("fetching " + describe(uri) + " was interrupted");
    } finally {
      if (!fetched) {
        deleteQuietly(file);
      }
    }
  }

  /** Streams the body into {@code file}, giving up past {@code maxBytes} or when it stalls. */
  private long download(URI uri, Flow.Publisher<List<ByteBuffer>> body, Path file, long maxBytes)
      throws IOException, InterruptedException {
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
      FileWriter writer = new FileWriter(out, maxBytes, () -> tooLarge(uri, maxBytes));
      body.subscribe(writer);
      long seen = 0;
      while (true) {
        try {
          return writer.done.get(readTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          long written = writer.written.get();
          if (written == seen) {
            writer.cancel();
            throw ServingException.unavailable(
                "cannot fetch "
                    + describe(uri)
                    + ": no data for "
                    + readTimeout.toMillis()
                    + " ms after "
                    + written
                    + " bytes");
          }
          seen = written;
        } catch (ExecutionException e) {
          if (e.getCause() instanceof ServingException serving) {
            throw serving;
          }
          throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
          writer.cancel();
          throw e;
        }
      }
    }
  }

  private static ServingException statusError(URI uri, HttpResponse<?> response) {
    int status = response.statusCode();
    if (status >= 300 && status <= 399) {
      String location =
          response
              .headers()
              .firstValue("Location")
              .map(value -> describeLocation(uri, value))
              .orElse("no Location");
      return ServingException.invalidArgument(
          describe(uri)
              + " redirects (HTTP "
              + status
              + ") to "
              + location
              + "; redirects are not followed: give the final URL (it must be allowed too)");
    }
    return ServingException.unavailable(describe(uri) + " answered HTTP " + status);
  }

  private static ServingException tooLarge(URI uri, long maxBytes) {
    return new ServingException(
        ErrorKind.TOO_LARGE, describe(uri) + " is larger than the limit of " + maxBytes + " bytes");
  }

  /**
   * An absolute http(s) URL with lower-case scheme and host, no default port, no fragment, a path
   * of at least "/" and its dot segments resolved.
   */
  private static URI normalise(String url) {
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw ServingException.invalidArgument("not a valid URL: " + e.getReason());
    }
    if (!uri.isAbsolute() || uri.isOpaque()) {
      throw ServingException.invalidArgument("not an absolute http or https URL");
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw ServingException.invalidArgument(
          "only http and https URLs are allowed, not " + scheme + ":");
    }
    String authority = uri.getRawAuthority();
    if (uri.getRawUserInfo() != null || (authority != null && authority.contains("@"))) {
      throw ServingException.invalidArgument(
          "URLs with user-info (user:password@host) are refused; the allowlist is the only"
              + " access control for fetching");
    }
    if (uri.getHost() == null) {
      throw ServingException.invalidArgument("the URL has no valid host");
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String lower = path.toLowerCase(Locale.ROOT);
    if (lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c")) {
      // A server may decode these into dot segments or separators after our prefix check.
      throw ServingException.invalidArgument(
          "the URL's path has an encoded '.', '/' or '\\' (%2E, %2F, %5C)");
    }
    int port = uri.getPort();
    if ((scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443)) {
      port = -1;
    }
    String rebuilt =
        scheme
            + "://"
            + uri.getHost().toLowerCase(Locale.ROOT)
            + (port < 0 ? "" : ":" + port)
            + path
            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    URI normalised = URI.create(rebuilt).normalize();
    if (normalised.getRawPath().startsWith("/..")) {
      throw ServingException.invalidArgument("the URL's path climbs above the root");
    }
    return normalised;
  }

  /** A URL for messages and logs: no user-info and no query, which may hold credentials. */
  private static String describe(URI uri) {
    String authority = uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    return "'"
        + uri.getScheme()
        + "://"
        + authority
        + Objects.toString(uri.getRawPath(), "")
        + (uri.getRawQuery() == null ? "" : "?...")
        + "'";
  }

  private static String describeLocation(URI base, String location) {
    try {
      URI target = base.resolve(new URI(location.trim()));
      return target.getScheme() == null || target.getHost() == null
          ? "an invalid Location"
          : describe(target);
    } catch (URISyntaxException | IllegalArgumentException e) {
      return "an invalid Location";
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("cannot delete the partial download {}: {}", file, e.toString());
    }
  }

  /** Writes each part of a body to a file as it arrives, and fails past the size limit. */
  private static final class FileWriter implements Flow.Subscriber<List<ByteBuffer>> {
    final CompletableFuture<Long> done = new CompletableFuture<>();
    final AtomicLong written = new AtomicLong();
    private final FileChannel out;
    private final long maxBytes;
    private final Supplier<ServingException> tooLarge;
    private volatile Flow.Subscription subscription;

    FileWriter(FileChannel out, long maxBytes, Supplier<ServingException> tooLarge) {
      this.out = out;
      this.maxBytes = maxBytes;
      this.tooLarge = tooLarge;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      if (done.isDone()) {
        return;
      }
      try {
        long total = written.get();
        for (ByteBuffer buffer : buffers) {
          total += buffer.remaining();
          if (total > maxBytes) {
            fail(tooLarge.get());
            return;
          }
          while (buffer.hasRemaining()) {
            out.write(buffer);
          }
        }
        written.set(total);
        subscription.request(1);
      } catch (IOException e) {
        fail(e);
      }
    }

    @Override
    public void onError(Throwable error) {
      done.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
      done.complete(written.get());
    }

    void cancel() {
      Flow.Subscription current = subscription;
      if (current != null) {
        current.cancel();
      }
    }

    private void fail(Throwable error) {
      cancel();
      done.completeExceptionally(error);
    }
  }

  /** Drops a body the server sent with a status we refuse. */
  private static final class Discarding implements Flow.Subscriber<List<ByteBuffer>> {
    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.cancel();
    }

    @Override
    public void onNext(List<ByteBuffer> item) {}

    @Override
    public void onError(Throwable throwable) {}

    @Override
    public void onComplete() {}
  }
}
