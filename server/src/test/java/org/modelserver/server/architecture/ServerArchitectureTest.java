package org.modelserver.server.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The server's doors stay thin and apart (see {@code docs/ARCHITECTURE.md}); runtime's own layering
 * is checked by runtime's {@code ArchitectureTest}.
 */
class ServerArchitectureTest {
  private static final JavaClasses SERVER =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("org.modelserver.server");

  @Test
  void nativeEngineTypesNeverReachTheServer() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("ai.djl..", "ai.onnxruntime..")
        .check(SERVER);
  }

  @Test
  void onlyTheGrpcAdapterSeesGrpc() {
    noClasses()
        .that()
        .resideOutsideOfPackage("org.modelserver.server.grpc..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.grpc..")
        .check(SERVER);
  }

  /**
   * The generated messages: the gRPC adapter's, and the config.pbtxt reader's, which parses a
   * model's config.pbtxt into Triton's ModelConfig message (runtime may not see protobuf).
   */
  @Test
  void onlyTheGrpcAdapterAndThePbtxtReaderSeeTheGeneratedMessages() {
    noClasses()
        .that()
        .resideOutsideOfPackages("org.modelserver.server.grpc..", "org.modelserver.server.pbtxt..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.modelserver.grpc..")
        .check(SERVER);
  }

  /**
   * The raw tensor codec speaks protobuf's ByteString because gRPC and REST binary share it; the
   * config.pbtxt reader uses protobuf's TextFormat, the parser of Triton's config files.
   */
  @Test
  void onlyTheGrpcAdapterTheRawCodecAndThePbtxtReaderSeeProtobuf() {
    noClasses()
        .that()
        .resideOutsideOfPackages(
            "org.modelserver.server.grpc..",
            "org.modelserver.server.codec..",
            "org.modelserver.server.pbtxt..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("com.google.protobuf..")
        .check(SERVER);
  }

  @Test
  void restAndGrpcAdaptersDoNotUseEachOther() {
    noClasses()
        .that()
        .resideInAPackage("org.modelserver.server.grpc..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.modelserver.server.rest..")
        .check(SERVER);
    noClasses()
        .that()
        .resideInAPackage("org.modelserver.server.rest..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.modelserver.server.grpc..")
        .check(SERVER);
  }

  @Test
  void packagesHaveNoCycles() {
    slices().matching("org.modelserver.server.(**)").should().beFreeOfCycles().check(SERVER);
  }
}
