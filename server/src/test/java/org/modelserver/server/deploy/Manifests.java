package org.modelserver.server.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.deser.BeanDeserializerBuilder;
import tools.jackson.databind.deser.ValueDeserializerModifier;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads the deployment files of {@code docker/k8s}: renders Kustomize overlays with {@code kubectl
 * kustomize}, splits YAML streams into documents and binds each one strictly to fabric8's typed
 * Kubernetes model for its kind, so that a misspelt or misplaced field fails instead of vanishing.
 */
final class Manifests {
  /** The typed model of each kind the files hold; any other kind is an error. */
  private static final Map<String, Class<? extends HasMetadata>> TYPED =
      Map.of(
          "apps/v1/Deployment", Deployment.class,
          "v1/Service", Service.class,
          "v1/Secret", Secret.class,
          "v1/ConfigMap", ConfigMap.class,
          "v1/PersistentVolumeClaim", PersistentVolumeClaim.class,
          "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
          "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
          "batch/v1/Job", Job.class);

  /**
   * Unknown fields fail. fabric8's models keep unknown fields in an {@code additionalProperties}
   * map (a Jackson any-setter), which would accept anything: the modifier removes that setter from
   * every typed model. {@link GenericKubernetesResource} keeps it: it is how it holds its content.
   */
  static final YAMLMapper STRICT =
      YAMLMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .addModule(
              new SimpleModule("strict-fabric8")
                  .setDeserializerModifier(
                      new ValueDeserializerModifier() {
                        private static final long serialVersionUID = 1L;

                        @Override
                        public BeanDeserializerBuilder updateBuilder(
                            DeserializationConfig config,
                            BeanDescription.Supplier description,
                            BeanDeserializerBuilder builder) {
                          Class<?> type = description.getBeanClass();
                          if (type.getName().startsWith("io.fabric8.kubernetes.api.model.")
                              && type != GenericKubernetesResource.class) {
                            builder.setAnySetter(null);
                          }
                          return builder;
                        }
                      }))
          .build();

  private Manifests() {}

  /** {@code docker/k8s} of this repository. */
  static Path root() {
    String repo = System.getProperty("modelserver.test.repo", "../model-repo");
    return Path.of(repo).toAbsolutePath().normalize().getParent().resolve("docker/k8s");
  }

  /** Renders a Kustomize folder with {@code kubectl kustomize} into typed objects. */
  static List<HasMetadata> kustomize(Path folder) {
    return typed(kubectl("kubectl", "kustomize", folder.toString()));
  }

  /** The typed objects of a YAML file of one or more documents. */
  static List<HasMetadata> typed(Path file) {
    return typed(read(file));
  }

  static List<HasMetadata> typed(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    for (JsonNode document : documents(yaml)) {
      String key = document.path("apiVersion").asString() + "/" + document.path("kind").asString();
      Class<? extends HasMetadata> type = TYPED.get(key);
      if (type == null) {
        throw new AssertionError("no typed model for " + key + " in the test: " + document);
      }
      objects.add(STRICT.treeToValue(document, type));
    }
    return objects;
  }

  /** A file of one custom resource (KServe's kinds have no typed model in fabric8). */
  static GenericKubernetesResource generic(Path file) {
    List<JsonNode> documents = documents(read(file));
    if (documents.size() != 1) {
      throw new AssertionError(file + " should hold one document, holds " + documents.size());
    }
    return STRICT.treeToValue(documents.get(0), GenericKubernetesResource.class);
  }

  /** The non-empty documents of a YAML stream. */
  static List<JsonNode> documents(String yaml) {
    List<JsonNode> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> values = STRICT.readerFor(JsonNode.class).readValues(yaml)) {
      while (values.hasNext()) {
        JsonNode document = values.next();
        if (document != null && !document.isNull() && !document.isEmpty()) {
          documents.add(document);
        }
      }
    }
    return documents;
  }

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file, e);
    }
  }

  /**
   * Runs kubectl and returns what it printed. A missing kubectl fails the test with what to
   * install: these files are part of the product, and a skipped check would pass them unread.
   */
  static String kubectl(String executable, String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(executable);
    command.addAll(List.of(arguments));
    try {
      File out = File.createTempFile("kubectl", ".out");
      File err = File.createTempFile("kubectl", ".err");
      try {
        Process process;
        try {
          process = new ProcessBuilder(command).redirectOutput(out).redirectError(err).start();
        } catch (IOException e) {
          throw new AssertionError(
              "ManifestsTest needs kubectl (1.27 or newer, with its built-in kustomize) on the"
                  + " PATH to render docker/k8s/overlays, and '"
                  + executable
                  + "' could not be run: "
                  + e.getMessage(),
              e);
        }
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new AssertionError(String.join(" ", command) + " did not finish in 120 s");
        }
        if (process.exitValue() != 0) {
          throw new AssertionError(
              String.join(" ", command)
                  + " exited with "
                  + process.exitValue()
                  + ": "
                  + Files.readString(err.toPath(), StandardCharsets.UTF_8));
        }
        return Files.readString(out.toPath(), StandardCharsets.UTF_8);
      } finally {
        Files.deleteIfExists(out.toPath());
        Files.deleteIfExists(err.toPath());
      }
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running " + command, e);
    }
  }
}
