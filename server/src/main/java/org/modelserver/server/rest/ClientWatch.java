package org.modelserver.server.rest;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.modelserver.runtime.concurrent.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * Notices REST clients that close their connection while their request waits, so the request can be
 * withdrawn. A blocking servlet learns of a closed connection only when it writes, and reading the
 * connection to find out would take a pipelined request's bytes from Tomcat. Instead this reads the
 * kernel's view: on Linux, {@code /proc/net/tcp} and {@code tcp6} list a connection whose client
 * sent its FIN in state CLOSE_WAIT (nginx takes the same FIN as a client abort). One daemon thread
 * reads them every {@value #PERIOD_MILLIS} ms, and only while requests wait. Where there is no such
 * table, nothing is noticed and requests end at {@code rest-result-timeout}.
 */
@Component
class ClientWatch
    implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(ClientWatch.class);
  private static final String ATTRIBUTE = ClientWatch.class.getName();
  private static final long PERIOD_MILLIS = 200;
  private static final String CLOSE_WAIT = "08";
  private static final Path[] TABLES = {Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6")};

  /** Ends a watch. */
  interface Watch extends AutoCloseable {
    @Override
    void close();
  }

  /** A TCP connection as the server sees it: its own port, the client's address and port. */
  record Connection(int localPort, InetAddress remote, int remotePort) {}

  /** A waiting request's callback, and since when it waits. */
  private record Watched(Runnable onGone, long since) {}

  private final Map<Connection, Watched> watched = new ConcurrentHashMap<>();
  private final boolean available = Files.isReadable(TABLES[0]);
  private final ScheduledExecutorService poller =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("rest-client-watch"));

  ClientWatch() {
    if (available) {
      poller.scheduleWithFixedDelay(
          this::poll, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void customize(TomcatServletWebServerFactory factory) {
    factory.addContextValves(new RecordingValve());
  }

  /**
   * Runs {@code onGone} (once, on the watch thread) if the request's client closes its connection
   * before the returned handle is closed.
   */
  Watch watch(HttpServletRequest request, Runnable onGone) {
    if (!available || !(request.getAttribute(ATTRIBUTE) instanceof Connection connection)) {
      return () -> {};
    }
    Watched entry = new Watched(onGone, System.nanoTime());
    watched.put(connection, entry);
    return () -> watched.remove(connection, entry);
  }

  private void poll() {
    if (watched.isEmpty()) {
      return;
    }
    // Requests that finish within a period are not worth a scan of every connection.
    long now = System.nanoTime();
    boolean due = false;
    for (Watched entry : watched.values()) {
      if (now - entry.since() >= TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS)) {
        due = true;
        break;
      }
    }
    if (!due) {
      return;
    }
    try {
      for (Path table : TABLES) {
        if (Files.isReadable(table)) {
          scan(table);
        }
      }
    } catch (IOException | RuntimeException e) {
      log.debug("cannot read the TCP tables: {}", e.toString());
    }
  }

  private void scan(Path table) throws IOException {
    try (BufferedReader lines = Files.newBufferedReader(table, StandardCharsets.US_ASCII)) {
      lines.readLine(); // the header
      String line;
      while ((line = lines.readLine()) != null && !watched.isEmpty()) {
        // "sl local remote st ...": find the fields without splitting the line, since under
        // load most of the table is closed connections (TIME_WAIT) that only need their state.
        int slEnd = tokenEnd(line, tokenStart(line, 0));
        int localStart = tokenStart(line, slEnd);
        int localEnd = tokenEnd(line, localStart);
        int remoteStart = tokenStart(line, localEnd);
        int remoteEnd = tokenEnd(line, remoteStart);
        int stateStart = tokenStart(line, remoteEnd);
        if (!line.startsWith(CLOSE_WAIT, stateStart)
            || tokenEnd(line, stateStart) != stateStart + CLOSE_WAIT.length()) {
          continue;
        }
        Connection connection =
            connection(
                line.substring(localStart, localEnd), line.substring(remoteStart, remoteEnd));
        Watched gone = connection == null ? null : watched.remove(connection);
        if (gone != null) {
          gone.onGone().run();
        }
      }
    }
  }

  private static int tokenStart(String line, int from) {
    int at = from;
    while (at < line.length() && line.charAt(at) == ' ') {
      at++;
    }
    return at;
  }

  private static int tokenEnd(String line, int from) {
    int at = from;
    while (at < line.length() && line.charAt(at) != ' ') {
      at++;
    }
    return at;
  }

  /** Parses "ADDR:PORT" pairs of the kernel's table (addresses in 32-bit host-order words). */
  static Connection connection(String local, String remote) {
    int localColon = local.lastIndexOf(':');
    int remoteColon = remote.lastIndexOf(':');
    if (localColon < 0 || remoteColon < 0) {
      return null;
    }
    try {
      return new Connection(
          Integer.parseInt(local.substring(localColon + 1), 16),
          address(remote.substring(0, remoteColon)),
          Integer.parseInt(remote.substring(remoteColon + 1), 16));
    } catch (NumberFormatException | UnknownHostException e) {
      return null;
    }
  }

  private static InetAddress address(String hex) throws UnknownHostException {
    byte[] bytes = new byte[hex.length() / 2];
    // each 4-byte word is little-endian on the x86 and ARM hosts this runs on
    for (int word = 0; word < bytes.length / 4; word++) {
      for (int i = 0; i < 4; i++) {
        int at = (word * 4 + (3 - i)) * 2;
        bytes[word * 4 + i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
      }
    }
    return normalize(InetAddress.getByAddress(bytes));
  }

  /** An IPv4-mapped IPv6 address as the IPv4 address it is, so both tables match one key. */
  static InetAddress normalize(InetAddress address) throws UnknownHostException {
    byte[] bytes = address.getAddress();
    if (bytes.length == 16) {
      boolean mapped = bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
      for (int i = 0; i < 10 && mapped; i++) {
        mapped = bytes[i] == 0;
      }
      if (mapped) {
        return InetAddress.getByAddress(java.util.Arrays.copyOfRange(bytes, 12, 16));
      }
    }
    return address;
  }

  @Override
  public void destroy() {
    poller.shutdownNow();
  }

  /** Records the request's connection as Tomcat accepted it, which no header can change. */
  private static final class RecordingValve extends ValveBase {
    RecordingValve() {
      super(true);
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
      try {
        request.setAttribute(
            ATTRIBUTE,
            new Connection(
                request.getLocalPort(),
                normalize(InetAddress.getByName(request.getPeerAddr().toLowerCase(Locale.ROOT))),
                request.getRemotePort()));
      } catch (UnknownHostException | RuntimeException e) {
        // not an IP literal: this request is not watched
      }
      getNext().invoke(request, response);
    }
  }
}
