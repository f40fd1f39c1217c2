package org.modelserver.bench;

import java.util.function.Function;

/**
 * The shared shape of the benchmark mains: parse the arguments (exit 2 with the usage on a bad
 * one), run, and on a failure print the stack trace and a machine-readable {@code ERROR} line that
 * the harness quotes in its report.
 */
final class BenchMain {
  private BenchMain() {}

  /** A benchmark body: the exit status it wants (0 when all is well). */
  interface Body<O> {
    int run(O options) throws Exception;
  }

  static <O> void run(
      String name,
      String usage,
      String[] args,
      Function<String[], O> parse,
      Body<O> body,
      int failureStatus) {
    O options;
    try {
      options = parse.apply(args);
    } catch (IllegalArgumentException e) {
      System.err.println(name + ": " + e.getMessage());
      System.err.println(usage);
      System.exit(2);
      return;
    }
    int status;
    try {
      status = body.run(options);
    } catch (Exception e) {
      e.printStackTrace();
      String reason = e.getMessage() == null ? e.toString() : e.getMessage();
      System.out.println("ERROR " + reason.replaceAll("\\s+", " "));
      status = failureStatus;
    }
    System.exit(status);
  }
}
