package org.modelserver.server.console;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Routes to the console: {@code /} and {@code /console} redirect to {@code /console/}, whose index
 * page is {@code static/console/index.html}. Redirects, not controllers: the console adds no API.
 */
@Configuration(proxyBeanMethods = false)
class ConsoleWebConfiguration implements WebMvcConfigurer {
  static final String HOME = "/console/";

  @Override
  public void addViewControllers(ViewControllerRegistry registry) {
    registry.addRedirectViewController("/", HOME);
    registry.addRedirectViewController("/console", HOME);
    registry.addViewController(HOME).setViewName("forward:" + HOME + "index.html");
  }
}
