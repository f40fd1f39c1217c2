package org.modelserver.server;

import java.nio.file.Path;
import org.modelserver.server.security.ManagementListener;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** The example model repository, copies of it, and servers started on them. */
public final class TestRepos {
  private TestRepos() {}

  /** The repository's {@code model-repo/} (runtime's shared test support finds it). */
  public static Path exampleRepo() {
    return org.modelserver.runtime.testsupport.TestRepos.modelRepo();
  }

  /** Copies one example model folder into {@code target}. */
  public static void copyModel(String model, Path target) {
    org.modelserver.runtime.testsupport.TestRepos.copyModel(model, target);
  }

  public static void copyTree(Path from, Path to) {
    org.modelserver.runtime.testsupport.TestRepos.copyTree(from, to);
  }

  /** Starts the real application on a random port; close the context to stop it. */
  public static ConfigurableApplicationContext start(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "--http-port=0";
    System.arraycopy(args, 0, all, 1, args.length);
    return new SpringApplicationBuilder(ModelServerApplication.class).run(all);
  }

  public static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  /** The loopback management listener's port, where management needs no token. */
  public static int managementPort(ConfigurableApplicationContext context) {
    return context.getBean(ManagementListener.class).port();
  }

  /** A client that sends management to the management listener and the rest to the main port. */
  public static HttpTestClient client(ConfigurableApplicationContext context) {
    return new HttpTestClient(port(context), managementPort(context));
  }
}
