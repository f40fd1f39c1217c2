package org.modelserver.server.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A same-host TCP proxy, as KServe's queue-proxy, an Istio sidecar, nginx or socat would be: it
 * accepts on 127.0.0.1 and relays each connection, byte for byte, to a target port from 127.0.0.1.
 * The server then sees every relayed caller as a loopback peer.
 */
final class TcpRelay implements AutoCloseable {
  private final ServerSocket listener;
  private final List<Socket> sockets = new ArrayList<>();

  TcpRelay(int targetPort) throws IOException {
    this(targetPort, InetAddress.getLoopbackAddress());
  }

  /**
   * A relay whose upstream connections come from {@code source} (Istio's sidecar connects from
   * 127.0.0.6, KServe's queue-proxy from 127.0.0.1).
   */
  TcpRelay(int targetPort, InetAddress source) throws IOException {
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor =
        new Thread(
            () -> {
              while (!listener.isClosed()) {
                try {
                  Socket client = listener.accept();
                  Socket upstream =
                      new Socket(InetAddress.getLoopbackAddress(), targetPort, source, 0);
                  synchronized (sockets) {
                    sockets.add(client);
                    sockets.add(upstream);
                  }
                  pump(client, upstream);
                  pump(upstream, client);
                } catch (IOException e) {
                  // Closed, or the target refused: the client sees its connection dropped.
                }
              }
            },
            "tcp-relay-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The port the relay listens on. */
  int port() {
    return listener.getLocalPort();
  }

  private static void pump(Socket from, Socket to) {
    Thread thread =
        new Thread(
            () -> {
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
              } catch (IOException e) {
                // One side closed.
              } finally {
                try {
                  to.shutdownOutput();
                } catch (IOException e) {
                  // Already closed.
                }
              }
            },
            "tcp-relay-pump");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void close() throws IOException {
    listener.close();
    synchronized (sockets) {
      for (Socket socket : sockets) {
        socket.close();
      }
    }
  }
}
