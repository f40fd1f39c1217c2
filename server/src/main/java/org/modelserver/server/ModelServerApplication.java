package org.modelserver.server;

import java.util.Arrays;
import org.modelserver.server.finetune.FineTuneCommand;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Starts the model server: the runtime wired by Spring behind the REST adapter; or, with {@code
 * finetune} as the first argument, runs one fine-tuning job as a batch process and exits.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ModelServerApplication {
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals(FineTuneCommand.NAME)) {
      System.exit(FineTuneCommand.run(Arrays.copyOfRange(args, 1, args.length)));
    }
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      // Spring would start a server with an unknown flag; say where the options are instead.
      System.out.println(
          "usage: java -jar model-server.jar [--option=value ...]\n"
              + "       java -jar model-server.jar finetune --help\n"
              + "Every option (--model-repository, --http-port, --grpc-port, --model-control-mode,"
              + " ...) and its environment variable: docs/CONFIGURATION.md.");
      return;
    }
    SpringApplication.run(ModelServerApplication.class, args);
  }
}
