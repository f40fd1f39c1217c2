package org.modelserver.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Starts the model server: the runtime wired by Spring behind the REST adapter. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ModelServerApplication {
  public static void main(String[] args) {
    SpringApplication.run(ModelServerApplication.class, args);
  }
}
