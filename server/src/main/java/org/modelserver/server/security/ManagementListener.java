package org.modelserver.server.security;

import org.apache.catalina.connector.Connector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * The loopback-only HTTP listener on which management needs no token ({@code --management-port},
 * 8081 by default; -1 turns it off). It serves the whole API, like the main port, but is bound to
 * 127.0.0.1 and is never where a proxy or sidecar sends traffic unless an operator points one at
 * it: on the main port a relaying proxy on this host (KServe's queue-proxy, Envoy, nginx) makes
 * every remote caller look local, so there management always needs the admin token.
 */
@Component
public final class ManagementListener
    implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {
  /** The address the listener binds to: loopback only, not configurable. */
  public static final String ADDRESS = "127.0.0.1";

  private static final Logger log = LoggerFactory.getLogger(ManagementListener.class);

  private final int port;
  private final DataSize maxSwallow;
  private final Connector connector;

  public ManagementListener(
      @Value("${modelserver.management-port:8081}") int port,
      @Value("${server.tomcat.max-swallow-size:2MB}") DataSize maxSwallow) {
    if (port < -1 || port > 65535) {
      throw new IllegalArgumentException(
          "management-port must be between 0 and 65535, or -1 for none, got " + port);
    }
    this.port = port;
    this.maxSwallow = maxSwallow;
    this.connector =
        port < 0 ? null : new Connector(TomcatServletWebServerFactory.DEFAULT_PROTOCOL);
  }

  @Override
  public void customize(TomcatServletWebServerFactory factory) {
    if (connector == null) {
      return;
    }
    connector.setPort(port);
    connector.setProperty("address", ADDRESS);
    connector.setProperty("continueResponseTiming", "onRead");
    connector.setProperty("maxSwallowSize", Long.toString(maxSwallow.toBytes()));
    connector.setProperty("maxKeepAliveRequests", "-1");
    connector.setThrowOnFailure(true);
    factory.addAdditionalConnectors(connector);
  }

  @EventListener
  void onStarted(WebServerInitializedEvent event) {
    if (connector != null) {
      log.info(
          "Management listener (REST, loopback only) on http://{}:{}/v2/repository",
          ADDRESS,
          connector.getLocalPort());
    }
  }

  /** Whether a request arrived on this listener. */
  boolean accepted(Connector arrivedOn) {
    return connector != null && arrivedOn == connector;
  }

  /** The port it listens on (the bound one when configured as 0), or -1 when turned off. */
  public int port() {
    return connector == null ? -1 : connector.getLocalPort();
  }
}
