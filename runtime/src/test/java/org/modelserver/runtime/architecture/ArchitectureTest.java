package org.modelserver.runtime.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layering {@code docs/ARCHITECTURE.md} promises, checked on the compiled classes of {@code
 * runtime} (not its tests): the build fails when a change breaks it.
 */
class ArchitectureTest {
  private static final JavaClasses RUNTIME =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("org.modelserver.runtime");

  /**
   * {@code tensor ← config ← engine ← batch ← registry ← inference ← rollout}, with {@code
   * repository ← registry}.
   */
  @Test
  void packagesDependOnlyOnTheLayersBelowThem() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("Support")
        .definedBy(
            "..runtime.error..",
            "..runtime.concurrent..",
            "..runtime.stats..",
            "..runtime.device..",
            "..runtime.json..")
        .layer("Tensor")
        .definedBy("..runtime.tensor..")
        .layer("Config")
        .definedBy("..runtime.config..")
        .layer("Engine")
        .definedBy("..runtime.engine..")
        .layer("Repository")
        .definedBy("..runtime.repository..")
        .layer("Batch")
        .definedBy("..runtime.batch..")
        .layer("Registry")
        .definedBy("..runtime.registry..")
        .layer("Inference")
        .definedBy("..runtime.inference..")
        .layer("Training")
        .definedBy("..runtime.train..")
        .layer("Rollout")
        .definedBy("..runtime.rollout..")
        .whereLayer("Support")
        .mayNotAccessAnyLayer()
        .whereLayer("Tensor")
        .mayOnlyAccessLayers("Support")
        .whereLayer("Config")
        .mayOnlyAccessLayers("Tensor", "Support")
        .whereLayer("Engine")
        .mayOnlyAccessLayers("Config", "Tensor", "Support")
        .whereLayer("Repository")
        .mayOnlyAccessLayers("Config", "Support")
        .whereLayer("Batch")
        .mayOnlyAccessLayers("Engine", "Config", "Tensor", "Support")
        .whereLayer("Registry")
        .mayOnlyAccessLayers("Batch", "Repository", "Engine", "Config", "Tensor", "Support")
        .whereLayer("Inference")
        .mayOnlyAccessLayers("Registry", "Batch", "Engine", "Config", "Tensor", "Support")
        .whereLayer("Training")
        .mayOnlyAccessLayers("Registry", "Repository", "Engine", "Config", "Tensor", "Support")
        .whereLayer("Rollout")
        .mayOnlyAccessLayers("Inference", "Registry", "Repository", "Support")
        .check(RUNTIME);
  }

  /** The trainer's parts: {@code spec ← data ← torch ← job}. */
  @Test
  void trainerPartsDependOnlyOnThePartsBelowThem() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("Spec")
        .definedBy("..runtime.train.spec..")
        .layer("Data")
        .definedBy("..runtime.train.data..")
        .layer("Loop")
        .definedBy("..runtime.train.torch..")
        .layer("Jobs")
        .definedBy("..runtime.train.job..")
        .whereLayer("Spec")
        .mayNotAccessAnyLayer()
        .whereLayer("Data")
        .mayOnlyAccessLayers("Spec")
        .whereLayer("Loop")
        .mayOnlyAccessLayers("Data", "Spec")
        .whereLayer("Jobs")
        .mayOnlyAccessLayers("Loop", "Data", "Spec")
        .check(RUNTIME);
  }

  @Test
  void packagesHaveNoCycles() {
    slices().matching("org.modelserver.runtime.(**)").should().beFreeOfCycles().check(RUNTIME);
  }

  @Test
  void onlyTheOnnxEngineSeesOnnxRuntime() {
    noClasses()
        .that()
        .resideOutsideOfPackage("..runtime.engine.onnx..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("ai.onnxruntime..")
        .check(RUNTIME);
  }

  @Test
  void onlyTheTorchEngineAndTheTrainingLoopSeeDjl() {
    noClasses()
        .that()
        .resideOutsideOfPackages("..runtime.engine.torch..", "..runtime.train.torch..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("ai.djl..")
        .check(RUNTIME);
  }

  @Test
  void onlyTheDevicePackageTouchesTheCudaDriverAndNvml() {
    noClasses()
        .that()
        .resideOutsideOfPackage("..runtime.device..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("jcuda..", "com.sun.jna..")
        .check(RUNTIME);
  }

  @Test
  void runtimeKnowsNoWebOrRpcStack() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.springframework..",
            "jakarta.servlet..",
            "javax.servlet..",
            "io.grpc..",
            "io.netty..",
            "com.google.protobuf..")
        .check(RUNTIME);
  }
}
