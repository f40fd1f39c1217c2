package org.modelserver.bench;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An HTTP/1.1 load generator for overload measurements: open loop (requests scheduled at a fixed
 * rate whatever the server does) or closed loop (N senders, each waiting for its response).
 *
 * <pre>
 * OverloadGenerator --url URL [--body FILE] [--header 'Name: value']... [--rate R]
 *     [--connections N] [--duration S] [--warmup S] [--timeout S] [--method M]
 * </pre>
 *
 * <p>{@code --rate R} &gt; 0 is the open loop: request i is due at {@code start + i/R}; it goes to
 * an idle connection (each connection has its own thread and blocking socket, the most recently
 * idle one first so that few connections stay hot), and when all {@code --connections} are busy it
 * is counted as {@code generator_dropped} rather than sent or delayed. {@code --rate 0} is the
 * closed loop: {@code --connections} senders back to back. Latency runs from the first byte written
 * to the last byte of the response; in the open loop the delay between a request's due time and its
 * send is reported separately ({@code send_lag_*}).
 *
 * <p>Requests due (open loop) or started (closed loop) during the first {@code --warmup} seconds
 * are sent but not counted; those of the next {@code --duration} seconds are, and their responses
 * are awaited after the end (up to {@code --timeout}). {@code ok_rps}, the goodput, is the number
 * of HTTP 200 responses that completed inside the measured window divided by its length, so late
 * completions of a backlog do not inflate it; {@code ok} counts the 200s among the requests sent in
 * the window (the population of the {@code ok_*_ms} percentiles).
 *
 * <p>A server may answer (429, 503) before reading the body and close the connection; the write
 * then fails, and the response is read from what the socket received before the reset. A request
 * with no readable response (connection refused, reset, closed early) counts as an error, by kind
 * ({@code error_kinds}), and the connection is reopened for the next request. A request that takes
 * longer than {@code --timeout} is aborted and counted as an error of kind {@code timeout}.
 *
 * <p>Prints one JSON object on stdout; progress and problems go to stderr. Exit status 0, or 2 on a
 * usage error.
 */
public final class OverloadGenerator {
  private static final long NANOS = 1_000_000_000L;
  // A connection idle this long is probed (a 1 ms read) before use, in case the server closed it.
  private static final long IDLE_PROBE_NANOS = 200_000_000L;

  private final URI url;
  private final String host;
  private final int port;
  private final byte[] request;
  private final double rate;
  private final int connections;
  private final long durationNanos;
  private final long warmupNanos;
  private final long timeoutNanos;
  // With an "Expect: 100-continue" header the body waits for the server's 100 Continue.
  private final boolean expectContinue;
  private final int headLength;

  private final Recorder recorder = new Recorder();
  private final CpuMeter cpu;
  private final ConcurrentLinkedDeque<Worker> idle = new ConcurrentLinkedDeque<>();
  private final List<Worker> workers = new ArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private volatile boolean stopping;
  private volatile boolean closedLoopRunning;
  private volatile long windowStart;
  private volatile long windowEnd;

  private OverloadGenerator(
      URI url,
      byte[] request,
      double rate,
      int connections,
      double duration,
      double warmup,
      double timeout,
      long cpuPid) {
    this.cpu = new CpuMeter(cpuPid);
    this.url = url;
    this.host = url.getHost();
    this.port = url.getPort() > 0 ? url.getPort() : 80;
    this.request = request;
    this.rate = rate;
    this.connections = connections;
    this.durationNanos = (long) (duration * NANOS);
    this.warmupNanos = (long) (warmup * NANOS);
    this.timeoutNanos = (long) (timeout * NANOS);
    String text = new String(request, java.nio.charset.StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    this.headLength = end < 0 ? request.length : end + 4;
    this.expectContinue =
        text.substring(0, headLength)
            .toLowerCase(Locale.ROOT)
            .contains("\r\nexpect: 100-continue\r\n");
  }

  public static void main(String[] args) throws Exception {
    String urlText = null;
    String bodyFile = null;
    String method = null;
    List<String> headers = new ArrayList<>();
    double rate = 0;
    int connections = 16;
    double duration = 10;
    double warmup = 0;
    double timeout = 30;
    long cpuPid = 0;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) {
        usage(null);
      }
      if (i + 1 >= args.length) {
        usage(a + " needs a value");
      }
      String v = args[++i];
      try {
        switch (a) {
          case "--url" -> urlText = v;
          case "--body" -> bodyFile = v;
          case "--header" -> headers.add(v);
          case "--method" -> method = v;
          case "--rate" -> rate = Double.parseDouble(v);
          case "--connections" -> connections = Integer.parseInt(v);
          case "--duration" -> duration = Double.parseDouble(v);
          case "--warmup" -> warmup = Double.parseDouble(v);
          case "--timeout" -> timeout = Double.parseDouble(v);
          case "--cpu-pid" -> cpuPid = Long.parseLong(v);
          default -> usage("unknown option " + a);
        }
      } catch (NumberFormatException e) {
        usage(a + ": not a number: " + v);
      }
    }
    if (urlText == null) {
      usage("--url is required");
    }
    URI url = URI.create(urlText);
    if (!"http".equals(url.getScheme()) || url.getHost() == null) {
      usage("--url must be http://HOST[:PORT]/PATH");
    }
    if (rate < 0 || connections < 1 || duration <= 0 || warmup < 0 || timeout <= 0) {
      usage("--rate must be >= 0, --connections >= 1, --duration and --timeout > 0, --warmup >= 0");
    }
    byte[] body = bodyFile == null ? null : Files.readAllBytes(Path.of(bodyFile));
    if (method == null) {
      method = body == null ? "GET" : "POST";
    }
    byte[] request = buildRequest(url, method, headers, body);
    OverloadGenerator generator =
        new OverloadGenerator(url, request, rate, connections, duration, warmup, timeout, cpuPid);
    System.out.println(generator.run());
  }

  private static void usage(String problem) {
    if (problem != null) {
      System.err.println("OverloadGenerator: " + problem);
    }
    System.err.println(
        "usage: OverloadGenerator --url URL [--body FILE] [--header 'Name: value']...\n"
            + "    [--rate R (requests/s; 0 = closed loop, default 0)]\n"
            + "    [--connections N (closed loop: senders; open loop: most requests in flight;"
            + " default 16)]\n"
            + "    [--duration S (measured, default 10)] [--warmup S (not counted, default 0)]\n"
            + "    [--timeout S (per request, default 30)] [--method M (default POST with a body,"
            + " else GET)]\n"
            + "    [--cpu-pid PID (also report that process's CPU use over the window, Linux)]");
    System.exit(problem == null ? 0 : 2);
  }

  static byte[] buildRequest(URI url, String method, List<String> headers, byte[] body) {
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    if (url.getRawQuery() != null) {
      path += "?" + url.getRawQuery();
    }
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(url.getHost());
    if (url.getPort() > 0) {
      head.append(':').append(url.getPort());
    }
    head.append("\r\n");
    boolean contentType = false;
    for (String h : headers) {
      int colon = h.indexOf(':');
      if (colon < 1) {
        usage("--header must be 'Name: value': " + h);
      }
      String name = h.substring(0, colon).trim();
      if (name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("host")) {
        continue; // set here
      }
      contentType |= name.equalsIgnoreCase("content-type");
      head.append(name).append(": ").append(h.substring(colon + 1).trim()).append("\r\n");
    }
    if (body != null) {
      if (!contentType) {
        head.append("Content-Type: application/json\r\n");
      }
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("\r\n");
    byte[] h = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    if (body == null) {
      return h;
    }
    byte[] all = Arrays.copyOf(h, h.length + body.length);
    System.arraycopy(body, 0, all, h.length, body.length);
    return all;
  }

  private String run() throws InterruptedException {
    boolean open = rate > 0;
    for (int i = 0; i < connections; i++) {
      Worker w = new Worker(i, open);
      workers.add(w);
    }
    Thread watchdog = new Thread(null, this::watch, "watchdog", 256 << 10);
    watchdog.setDaemon(true);
    long start = System.nanoTime() + 20_000_000L; // let the threads start
    windowStart = start + warmupNanos;
    windowEnd = windowStart + durationNanos;
    closedLoopRunning = true;
    for (Worker w : workers) {
      w.thread.start();
    }
    watchdog.start();
    if (open) {
      schedule(start);
    } else {
      sleepUntil(windowEnd);
      closedLoopRunning = false;
    }
    // Wait for the requests still in flight (each is bounded by the timeout).
    long drainDeadline = System.nanoTime() + timeoutNanos + 2 * NANOS;
    while (inFlight.get() > 0 && System.nanoTime() < drainDeadline) {
      Thread.sleep(5);
    }
    stopping = true;
    for (Worker w : workers) {
      LockSupport.unpark(w.thread);
    }
    for (Worker w : workers) {
      w.thread.join(Math.max(1, (drainDeadline - System.nanoTime()) / 1_000_000L + 1000));
      w.closeQuietly();
    }
    return recorder.json(open);
  }

  /** The open loop: request i is due at start + i / rate, sent or dropped, never delayed. */
  private void schedule(long start) {
    double interval = NANOS / rate;
    for (long i = 0; ; i++) {
      long due = start + (long) (i * interval);
      if (due - windowEnd >= 0) {
        return;
      }
      sleepUntil(due);
      boolean counted = due - windowStart >= 0;
      Worker w = idle.pollFirst();
      if (w == null) {
        if (counted) {
          recorder.dropped.incrementAndGet();
        }
        continue;
      }
      if (counted) {
        recorder.scheduled.incrementAndGet();
      }
      int n = inFlight.incrementAndGet(); // here, so that the drain below cannot miss it
      maxInFlight.accumulateAndGet(n, Math::max);
      w.assign(due);
    }
  }

  private static void sleepUntil(long deadline) {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
  }

  /** Aborts requests that ran past the timeout (a blocking write has no timeout of its own). */
  private void watch() {
    boolean started = false;
    boolean ended = false;
    while (!stopping) {
      long now = System.nanoTime();
      if (!started && now - windowStart >= 0) {
        started = true;
        cpu.sample(0, now);
      } else if (started && !ended && now - windowEnd >= 0) {
        ended = true;
        cpu.sample(1, now);
      }
      for (Worker w : workers) {
        long since = w.busySince;
        if (since != 0 && now - since > timeoutNanos && !w.timedOut) {
          w.timedOut = true;
          w.closeQuietly();
        }
      }
      LockSupport.parkNanos(50_000_000L);
    }
  }

  /** One connection and the thread that drives it. */
  private final class Worker {
    final Thread thread;
    final boolean open;
    volatile long due;
    volatile boolean assigned;
    volatile long busySince; // 0 when no request is in progress
    volatile boolean timedOut;
    private volatile Socket socket;
    private InputStream in;
    private OutputStream out;
    private long lastUsed;

    Worker(int index, boolean open) {
      this.open = open;
      this.thread = new Thread(null, this::loop, "conn-" + index, 256 << 10);
      this.thread.setDaemon(true);
    }

    void assign(long dueTime) {
      due = dueTime;
      assigned = true;
      LockSupport.unpark(thread);
    }

    private void loop() {
      if (open) {
        while (true) {
          idle.addFirst(this);
          while (!assigned) {
            if (stopping) {
              return;
            }
            LockSupport.park(this);
          }
          assigned = false;
          exchange(due, true);
        }
      } else {
        sleepUntil(windowStart - warmupNanos);
        while (closedLoopRunning && !stopping) {
          int n = inFlight.incrementAndGet();
          maxInFlight.accumulateAndGet(n, Math::max);
          if (!exchange(System.nanoTime(), false)) {
            LockSupport.parkNanos(10_000_000L); // no connection: do not spin
          }
        }
      }
    }

    /** One request; inFlight was incremented for it. Returns false when it could not connect. */
    private boolean exchange(long dueTime, boolean openLoop) {
      long sendStart = 0;
      int status = -1;
      String error = null;
      boolean afterWriteError = false;
      timedOut = false;
      busySince = System.nanoTime();
      try {
        ensureConnected();
        sendStart = System.nanoTime();
        if (openLoop
            ? dueTime - windowStart >= 0 && dueTime - windowEnd < 0
            : inWindow(sendStart)) {
          recorder.sent.incrementAndGet();
        }
        IOException writeError = null;
        boolean answeredEarly = false;
        try {
          if (expectContinue) {
            // Headers first; the body only once the server says 100 Continue. A final answer
            // instead (a refusal) means the body is never sent, and the connection is dropped.
            out.write(request, 0, headLength);
            out.flush();
            int interim = readResponse(true);
            if (interim == 100) {
              out.write(request, headLength, request.length - headLength);
              out.flush();
            } else {
              status = interim;
              answeredEarly = true;
            }
          } else {
            out.write(request);
            out.flush();
          }
        } catch (IOException e) {
          writeError = e;
        }
        if (answeredEarly) {
          closeQuietly();
        } else if (writeError != null) {
          // The server may have answered before reading the body, then closed: read what came.
          try {
            socket.setSoTimeout(1000);
            status = readResponse();
            afterWriteError = true;
          } catch (IOException e) {
            throw writeError;
          }
          closeQuietly();
        } else {
          status = readResponse();
        }
      } catch (IOException e) {
        error = timedOut ? "timeout" : kind(e);
        closeQuietly();
      }
      long end = System.nanoTime();
      busySince = 0;
      lastUsed = end;
      long sendTime = sendStart == 0 ? end : sendStart;
      boolean counted =
          openLoop ? dueTime - windowStart >= 0 && dueTime - windowEnd < 0 : inWindow(sendTime);
      if (counted && sendStart == 0) {
        recorder.sent.incrementAndGet(); // the connection failed: still a request sent
      }
      recorder.record(
          counted,
          status,
          error,
          end - sendTime,
          openLoop ? sendTime - dueTime : -1,
          status == 200 && inWindow(end),
          afterWriteError);
      inFlight.decrementAndGet();
      return sendStart != 0;
    }

    private boolean inWindow(long t) {
      return t - windowStart >= 0 && t - windowEnd < 0;
    }

    private void ensureConnected() throws IOException {
      Socket s = socket;
      if (s != null && !s.isClosed() && System.nanoTime() - lastUsed > IDLE_PROBE_NANOS) {
        // The server may have closed an idle connection: check before writing on it.
        try {
          s.setSoTimeout(1);
          int b = in.read();
          closeQuietly(); // EOF, or bytes nobody asked for: either way a fresh connection
          s = null;
          if (b >= 0) {
            System.err.println("OverloadGenerator: unexpected bytes on an idle connection");
          }
        } catch (SocketTimeoutException e) {
          // still open
        } catch (IOException e) {
          closeQuietly();
          s = null;
        }
      }
      if (s == null || s.isClosed()) {
        s = new Socket();
        socket = s;
        if (timedOut) {
          throw new SocketTimeoutException("timed out");
        }
        s.setTcpNoDelay(true);
        s.connect(
            new InetSocketAddress(host, port), (int) Math.min(timeoutNanos / 1_000_000L, 60_000));
        in = new BufferedInputStream(s.getInputStream(), 64 << 10);
        out = s.getOutputStream();
      }
      s.setSoTimeout((int) Math.max(1, Math.min(timeoutNanos / 1_000_000L, Integer.MAX_VALUE)));
    }

    void closeQuietly() {
      Socket s = socket;
      if (s != null) {
        try {
          s.close();
        } catch (IOException e) {
          // closing anyway
        }
      }
    }

    /** Reads one response, skips its body, returns its status; closes when the server says so. */
    private int readResponse() throws IOException {
      return readResponse(false);
    }

    /**
     * @param stopAtContinue return 100 after a {@code 100 Continue} instead of reading on (the
     *     caller then sends the body)
     */
    private int readResponse(boolean stopAtContinue) throws IOException {
      String statusLine = readLine();
      if (statusLine == null) {
        throw new EOFException("connection closed before a response");
      }
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
        throw new IOException("malformed status line: " + statusLine);
      }
      int status;
      try {
        status = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        throw new IOException("malformed status line: " + statusLine);
      }
      long length = -1;
      boolean chunked = false;
      boolean close = parts[0].equals("HTTP/1.0");
      String line;
      while ((line = readLine()) != null && !line.isEmpty()) {
        int colon = line.indexOf(':');
        if (colon < 0) {
          continue;
        }
        String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = line.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
        switch (name) {
          case "content-length" -> length = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.contains("chunked");
          case "connection" ->
              close = value.contains("close") || (close && !value.contains("keep-alive"));
          default -> {}
        }
      }
      if (line == null) {
        throw new EOFException("connection closed in the response headers");
      }
      if (status == 100 && stopAtContinue) {
        return 100;
      }
      if (status >= 100 && status < 200) {
        return readResponse(stopAtContinue); // the real response follows
      }
      if (chunked) {
        while (true) {
          String size = readLine();
          if (size == null) {
            throw new EOFException("connection closed in a chunked body");
          }
          int semi = size.indexOf(';');
          long n = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
          if (n == 0) {
            while ((line = readLine()) != null && !line.isEmpty()) {
              // trailers
            }
            break;
          }
          skip(n);
          readLine();
        }
      } else if (length >= 0) {
        skip(length);
      } else if (status != 204 && status != 304) {
        while (in.read() >= 0) {
          // body until the server closes
        }
        close = true;
      }
      if (close) {
        closeQuietly();
      }
      return status;
    }

    private void skip(long n) throws IOException {
      while (n > 0) {
        long k = in.skip(n);
        if (k <= 0) {
          if (in.read() < 0) {
            throw new EOFException("connection closed in a response body");
          }
          k = 1;
        }
        n -= k;
      }
    }

    private String readLine() throws IOException {
      StringBuilder sb = new StringBuilder(64);
      int c;
      while ((c = in.read()) >= 0) {
        if (c == '\n') {
          int len = sb.length();
          if (len > 0 && sb.charAt(len - 1) == '\r') {
            sb.setLength(len - 1);
          }
          return sb.toString();
        }
        if (sb.length() > 65536) {
          throw new IOException("response line too long");
        }
        sb.append((char) c);
      }
      return sb.length() == 0 ? null : sb.toString();
    }
  }

  private static String kind(IOException e) {
    if (e instanceof SocketTimeoutException) {
      return "timeout";
    }
    if (e instanceof ConnectException) {
      return "connect";
    }
    if (e instanceof EOFException) {
      return "closed_early";
    }
    String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    if (m.contains("reset")) {
      return "reset";
    }
    if (m.contains("broken pipe")) {
      return "broken_pipe";
    }
    if (m.contains("socket closed")) {
      return "closed";
    }
    return "other";
  }

  /** Counts and latencies; synchronized, as a few thousand records per second are cheap. */
  private final class Recorder {
    final AtomicLong sent = new AtomicLong();
    final AtomicLong scheduled = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    private final LongList okLatency = new LongList();
    private final LongList rejectedLatency = new LongList();
    private final LongList sendLag = new LongList();
    private final Map<Integer, Long> statuses = new TreeMap<>();
    private final Map<String, Long> errorKinds = new TreeMap<>();
    private long ok;
    private long rejected;
    private long other;
    private long errors;
    private long okCompletedInWindow;
    private long afterWriteError;

    synchronized void record(
        boolean counted,
        int status,
        String error,
        long latency,
        long lag,
        boolean okCompleted,
        boolean afterWrite) {
      if (okCompleted) {
        okCompletedInWindow++;
      }
      if (!counted) {
        return;
      }
      if (lag >= 0) {
        sendLag.add(lag);
      }
      if (afterWrite) {
        afterWriteError++;
      }
      if (error != null) {
        errors++;
        errorKinds.merge(error, 1L, Long::sum);
        return;
      }
      statuses.merge(status, 1L, Long::sum);
      if (status == 200) {
        ok++;
        okLatency.add(latency);
      } else if (status == 429 || status == 503) {
        rejected++;
        rejectedLatency.add(latency);
      } else {
        other++;
      }
    }

    synchronized String json(boolean open) {
      double seconds = durationNanos / (double) NANOS;
      long sentCount = sent.get();
      StringBuilder j = new StringBuilder(1024);
      j.append('{');
      field(j, "mode", '"' + (open ? "open" : "closed") + '"');
      field(j, "url", '"' + url.toString().replace("\\", "\\\\").replace("\"", "\\\"") + '"');
      field(j, "connections", Integer.toString(connections));
      field(j, "duration_s", num(seconds));
      field(j, "warmup_s", num(warmupNanos / (double) NANOS));
      field(j, "timeout_s", num(timeoutNanos / (double) NANOS));
      field(j, "offered_rps", num(open ? rate : sentCount / seconds));
      field(j, "scheduled", Long.toString(open ? scheduled.get() + dropped.get() : sentCount));
      field(j, "sent", Long.toString(sentCount));
      field(j, "sent_rps", num(sentCount / seconds));
      field(j, "ok", Long.toString(ok));
      field(j, "ok_rps", num(okCompletedInWindow / seconds));
      field(j, "rejected", Long.toString(rejected));
      field(j, "rejected_rps", num(rejected / seconds));
      field(j, "other_status", Long.toString(other));
      field(j, "errors", Long.toString(errors));
      field(j, "timeouts", Long.toString(errorKinds.getOrDefault("timeout", 0L)));
      field(j, "generator_dropped", Long.toString(dropped.get()));
      // sent in the window, no outcome before the end (the watchdog should have timed them out)
      long unfinished = Math.max(0, sentCount - ok - rejected - other - errors);
      field(j, "unfinished", Long.toString(unfinished));
      field(j, "responses_after_write_error", Long.toString(afterWriteError));
      field(j, "max_in_flight", Integer.toString(maxInFlight.get()));
      field(j, "generator_cpu_cores", cpu.cores(0));
      field(j, "pid_cpu_cores", cpu.cores(1));
      field(j, "host_cpu_busy_cores", cpu.cores(2));
      okLatency.sort();
      rejectedLatency.sort();
      sendLag.sort();
      field(j, "ok_mean_ms", okLatency.meanMs());
      field(j, "ok_p50_ms", okLatency.percentileMs(0.50));
      field(j, "ok_p90_ms", okLatency.percentileMs(0.90));
      field(j, "ok_p99_ms", okLatency.percentileMs(0.99));
      field(j, "ok_max_ms", okLatency.percentileMs(1.0));
      field(j, "rejected_p50_ms", rejectedLatency.percentileMs(0.50));
      field(j, "rejected_p99_ms", rejectedLatency.percentileMs(0.99));
      field(j, "rejected_max_ms", rejectedLatency.percentileMs(1.0));
      field(j, "send_lag_p99_ms", open ? sendLag.percentileMs(0.99) : "null");
      field(j, "send_lag_max_ms", open ? sendLag.percentileMs(1.0) : "null");
      StringBuilder s = new StringBuilder("{");
      statuses.forEach((k, v) -> s.append(s.length() > 1 ? "," : "").append("\"" + k + "\":" + v));
      field(j, "status_counts", s.append('}').toString());
      StringBuilder e = new StringBuilder("{");
      errorKinds.forEach(
          (k, v) -> e.append(e.length() > 1 ? "," : "").append("\"" + k + "\":" + v));
      field(j, "error_kinds", e.append('}').toString());
      j.setLength(j.length() - 1); // the last comma
      return j.append('}').toString();
    }
  }

  private static void field(StringBuilder j, String name, String value) {
    j.append('"').append(name).append("\":").append(value).append(',');
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  /**
   * CPU time over the measured window, in cores (CPU seconds per second): this JVM's, the process
   * given with {@code --cpu-pid}'s and the whole machine's busy time ({@code /proc/stat}); null
   * where unknown.
   */
  private static final class CpuMeter {
    private static final double TICK_NANOS = 1e7; // USER_HZ is 100 on Linux
    private final long pid;
    private final long[][] samples = new long[2][];

    CpuMeter(long pid) {
      this.pid = pid;
    }

    synchronized void sample(int which, long now) {
      samples[which] = new long[] {now, ownCpuNanos(), pidCpuNanos(), hostBusyNanos()};
    }

    synchronized String cores(int kind) {
      if (samples[0] == null || samples[1] == null) {
        return "null";
      }
      long a = samples[0][kind + 1];
      long b = samples[1][kind + 1];
      if (a < 0 || b < 0) {
        return "null";
      }
      return num((b - a) / (double) (samples[1][0] - samples[0][0]));
    }

    private static long ownCpuNanos() {
      java.lang.management.OperatingSystemMXBean os =
          java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
        return sun.getProcessCpuTime();
      }
      return -1;
    }

    private long pidCpuNanos() {
      if (pid <= 0) {
        return -1;
      }
      try {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // after "(comm)": state is field 3, utime and stime are fields 14 and 15
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (long) ((Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_NANOS);
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }

    private static long hostBusyNanos() {
      try {
        String cpuLine = Files.readAllLines(Path.of("/proc/stat")).get(0);
        String[] f = cpuLine.trim().split("\\s+");
        long busy = 0;
        // user nice system idle iowait irq softirq steal: all but idle and iowait
        for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
          if (i != 4 && i != 5) {
            busy += Long.parseLong(f[i]);
          }
        }
        return (long) (busy * TICK_NANOS);
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }
  }

  /** A growable list of nanosecond values. */
  private static final class LongList {
    private long[] values = new long[1024];
    private int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    void sort() {
      Arrays.sort(values, 0, size);
    }

    /** Nearest-rank percentile of the sorted values in ms, or null when there are none. */
    String percentileMs(double p) {
      if (size == 0) {
        return "null";
      }
      int rank = (int) Math.ceil(p * size);
      return num(values[Math.min(size, Math.max(1, rank)) - 1] / 1e6);
    }

    String meanMs() {
      if (size == 0) {
        return "null";
      }
      double sum = 0;
      for (int i = 0; i < size; i++) {
        sum += values[i];
      }
      return num(sum / size / 1e6);
    }
  }
}
