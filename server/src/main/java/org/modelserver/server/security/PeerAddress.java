package org.modelserver.server.security;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * The address at the other end of a request's TCP connection. {@link
 * HttpServletRequest#getRemoteAddr()} is not that when forwarded headers are honoured ({@code
 * server.forward-headers-strategy}, on by default on Kubernetes and other clouds): a client could
 * then claim to be {@code 127.0.0.1} in {@code X-Forwarded-For} and pass the loopback check. Also
 * records which listener the connection came in on.
 */
@Component
class PeerAddress implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {
  private static final String ATTRIBUTE = PeerAddress.class.getName();
  private static final String LISTENER = ATTRIBUTE + ".managementListener";

  private final ManagementListener listener;

  PeerAddress(ManagementListener listener) {
    this.listener = listener;
  }

  @Override
  public void customize(TomcatServletWebServerFactory factory) {
    factory.addContextValves(new RecordingValve(listener));
  }

  /** Whether the request arrived on the loopback-only {@link ManagementListener}. */
  static boolean onManagementListener(HttpServletRequest request) {
    return Boolean.TRUE.equals(request.getAttribute(LISTENER));
  }

  /** The peer's IP address, or null when the container did not record it. */
  static String of(HttpServletRequest request) {
    return request.getAttribute(ATTRIBUTE) instanceof String address ? address : null;
  }

  /** Records Tomcat's connection peer, which no header can change, before any filter runs. */
  private static final class RecordingValve extends ValveBase {
    private final ManagementListener listener;

    RecordingValve(ManagementListener listener) {
      super(true);
      this.listener = listener;
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
      request.setAttribute(ATTRIBUTE, request.getPeerAddr());
      request.setAttribute(LISTENER, listener.accepted(request.getConnector()));
      getNext().invoke(request, response);
    }
  }
}
