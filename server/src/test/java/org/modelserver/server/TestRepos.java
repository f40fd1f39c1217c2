package org.modelserver.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** The example model repository, copies of it, and servers started on them. */
public final class TestRepos {
  private TestRepos() {}

  /** The repository's {@code model-repo/}, set by the build; falls back to the module layout. */
  public static Path exampleRepo() {
    String configured = System.getProperty("modelserver.test.repo");
    Path repo = configured != null ? Path.of(configured) : Path.of("../model-repo");
    return repo.toAbsolutePath().normalize();
  }

  /** Copies one example model folder into {@code target}. */
  public static void copyModel(String model, Path target) {
    copyTree(exampleRepo().resolve(model), target.resolve(model));
  }

  public static void copyTree(Path from, Path to) {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path path : paths.toList()) {
        Path destination = to.resolve(from.relativize(path).toString());
        if (Files.isDirectory(path)) {
          Files.createDirectories(destination);
        } else {
          Files.copy(path, destination);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
}
