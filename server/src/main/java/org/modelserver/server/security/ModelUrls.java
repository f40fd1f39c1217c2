package org.modelserver.server.security;

import java.io.IOException;
import java.net.URI;
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
 * (scheme and host in lower case, default port dropped) start with an allowed prefix. A prefix that
 * does not end with '/' allows only itself, so {@code https://a.com} (which normalises to {@code
 * https://a.com/}) allows that host and {@code https://a.com/model.onnx} exactly that file; neither
 * allows {@code https://a.com.evil.net/}. An empty list allows nothing.
 *
 * <p>The path is sent as given, so anything a remote server may read differently from this prefix
 * check is refused rather than resolved ({@link UrlSyntax}): {@code .} and {@code ..} segments,
 * {@code ;} path parameters (Tomcat and Jetty read {@code /a/..;/b} as {@code /b}), backslashes,
 * and encoded {@code .}, {@code /}, {@code \}, {@code ;} and {@code %}. Before connecting, a host
 * given by name must resolve to public addresses only ({@link AddressPolicy}), and redirects are
 * refused, not followed.
 *
 * <p>Residual risk: {@link HttpClient} resolves the host again itself and cannot be told which
 * address to connect to. It looks the name up through the same JVM address cache right after the
 * check, so it gets the checked addresses unless that cache is off ({@code
 * networkaddress.cache.ttl=0}) or the entry expires in between (default lifetime 30 s): only then
 * could a DNS answer that changes between check and connect (DNS rebinding) reach a private
 * address. A JVM-wide proxy ({@code http.proxyHost}) resolves the host on its own side.
 */
@Component
public final class ModelUrls {
  private static final Logger log = LoggerFactory.getLogger(ModelUrls.class);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  private final List<URI> prefixes;
  private final AddressPolicy addresses;
  private final Duration connectTimeout;
  private final Duration readTimeout;

  @Autowired
  public ModelUrls(
      @Value("${modelserver.model-url-allowlist:}") String allowlist,
      @Value("${modelserver.model-url-private-hosts:}") String privateHosts) {
    this(allowlist, privateHosts, CONNECT_TIMEOUT, READ_TIMEOUT);
  }

  /**
   * @param allowlist comma-separated URL prefixes
   * @param privateHosts comma-separated host names of the allowlist that may resolve to loopback,
   *     private, link-local or other non-public addresses
   * @param readTimeout the longest wait for the response headers, and for each part of the body
   */
  public ModelUrls(
      String allowlist, String privateHosts, Duration connectTimeout, Duration readTimeout) {
    List<URI> parsed = new ArrayList<>();
    for (String prefix : allowlist == null ? new String[0] : allowlist.split(",")) {
      if (prefix.isBlank()) {
        continue;
      }
      try {
        URI uri = UrlSyntax.normalise(prefix);
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
    this.addresses = new AddressPolicy(privateHosts);
    for (String host : addresses.privateHosts()) {
      if (prefixes.stream().noneMatch(prefix -> prefix.getHost().equals(host))) {
        throw new IllegalArgumentException(
            AddressPolicy.OPTION
                + ": '"
                + host
                + "' is the host of no --model-url-allowlist prefix; list only allowlisted hosts");
      }
    }
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
    URI uri = UrlSyntax.normalise(url);
    String text = uri.toString();
    for (URI prefix : prefixes) {
      String allowed = prefix.toString();
      if (text.equals(allowed) || (allowed.endsWith("/") && text.startsWith(allowed))) {
        return uri;
      }
    }
    throw ServingException.invalidArgument(
        UrlSyntax.describe(uri)
            + " is not under an allowed prefix (--model-url-allowlist: "
            + String.join(", ", prefixes.stream().map(URI::toString).toList())
            + ")");
  }

  /**
   * Downloads an allowed URL into a new file in {@code tempDir}, which the caller then owns.
   * Redirects are not followed. On any failure nothing is left behind.
   *
   * @throws ServingException INVALID_ARGUMENT for a URL {@link #check} refuses, a host that
   *     resolves to an address {@link AddressPolicy} refuses, or a redirect; TOO_LARGE past {@code
   *     maxBytes}, UNAVAILABLE for a non-2xx status, a network failure or a timeout
   */
  public Path fetch(String url, long maxBytes, Path tempDir) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    }
    URI uri = check(url);
    addresses.requireAllowed(uri.getHost(), UrlSyntax.describe(uri));
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
      log.info("Fetched {} ({} bytes)", UrlSyntax.describe(uri), size);
      return file;
    } catch (HttpTimeoutException e) {
      throw ServingException.unavailable("cannot fetch " + UrlSyntax.describe(uri) + ": timed out");
    } catch (IOException e) {
      throw ServingException.unavailable("cannot fetch " + UrlSyntax.describe(uri) + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ServingException.unavailable(
          "fetching " + UrlSyntax.describe(uri) + " was interrupted");
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
                    + UrlSyntax.describe(uri)
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
              .map(value -> UrlSyntax.describeLocation(uri, value))
              .orElse("no Location");
      return ServingException.invalidArgument(
          UrlSyntax.describe(uri)
              + " redirects (HTTP "
              + status
              + ") to "
              + location
              + "; redirects are not followed: give the final URL (it must be allowed too)");
    }
    return ServingException.unavailable(UrlSyntax.describe(uri) + " answered HTTP " + status);
  }

  private static ServingException tooLarge(URI uri, long maxBytes) {
    return new ServingException(
        ErrorKind.TOO_LARGE,
        UrlSyntax.describe(uri) + " is larger than the limit of " + maxBytes + " bytes");
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
