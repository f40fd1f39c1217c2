package org.modelserver.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.modelserver.server.metrics.ExportedMetricNames;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Kubernetes and KServe files of {@code docker/k8s}: every overlay renders with {@code kubectl
 * kustomize}, every object binds strictly to its typed model, and the facts the server depends on
 * hold (health endpoints, ports, the admin token from a Secret, non-root on a read-only root, the
 * autoscaling metric, KServe's runtime selection).
 */
class ManifestsTest {
  private static final Path K8S = Manifests.root();
  private static final String TOKEN_ENV = "MODEL_SERVER_ADMIN_TOKEN";

  static Stream<Path> overlays() throws IOException {
    try (Stream<Path> folders = Files.list(K8S.resolve("overlays"))) {
      List<Path> found = folders.filter(Files::isDirectory).sorted().toList();
      assertThat(found).extracting(path -> path.getFileName().toString()).contains("cpu", "gpu");
      return found.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void everyOverlayRendersTheWholeDeployment(Path overlay) {
    List<HasMetadata> objects = Manifests.kustomize(overlay);
    assertThat(objects)
        .extracting(HasMetadata::getKind)
        .containsExactlyInAnyOrder(
            "Deployment",
            "Service",
            "PodDisruptionBudget",
            "PersistentVolumeClaim",
            "HorizontalPodAutoscaler",
            "Secret");
    PodDisruptionBudget budget = one(objects, PodDisruptionBudget.class);
    assertThat(budget.getSpec().getSelector().getMatchLabels())
        .isEqualTo(one(objects, Deployment.class).getSpec().getSelector().getMatchLabels());
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void probesUseTheKServeV2HealthEndpointsAndAllowForTheWarmUp(Path overlay) {
    Container server = serverContainer(Manifests.kustomize(overlay));
    assertHttpProbe(server.getStartupProbe(), "/v2/health/live", server);
    assertHttpProbe(server.getLivenessProbe(), "/v2/health/live", server);
    assertHttpProbe(server.getReadinessProbe(), "/v2/health/ready", server);
    Probe startup = server.getStartupProbe();
    // models load, then --warmup-seconds (10 s) pass: a minute at the very least
    assertThat(startup.getPeriodSeconds() * startup.getFailureThreshold())
        .isGreaterThanOrEqualTo(60);
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theAdminTokenComesFromTheRenderedSecret(Path overlay) {
    List<HasMetadata> objects = Manifests.kustomize(overlay);
    SecretKeySelector reference = tokenReference(serverContainer(objects));
    Secret secret = one(objects, Secret.class);
    assertThat(reference.getName()).isEqualTo(secret.getMetadata().getName());
    assertThat(secret.getData()).containsKey(reference.getKey());
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void podsRunAsNonRootOnAReadOnlyRootWithAWritableTmp(Path overlay) {
    PodSpec pod =
        one(Manifests.kustomize(overlay), Deployment.class).getSpec().getTemplate().getSpec();
    assertNonRootReadOnly(pod, pod.getContainers().get(0));
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theServiceExposesHttpAndGrpcOnTheServersPorts(Path overlay) {
    List<HasMetadata> objects = Manifests.kustomize(overlay);
    Container server = serverContainer(objects);
    Map<String, Integer> containerPorts = new java.util.HashMap<>();
    server.getPorts().forEach(port -> containerPorts.put(port.getName(), port.getContainerPort()));
    assertThat(containerPorts).containsEntry("http", 8000).containsEntry("grpc", 8001);
    assertThat(server.getArgs()).contains("--http-port=8000", "--grpc-port=8001");

    List<ServicePort> ports = one(objects, Service.class).getSpec().getPorts();
    assertThat(ports)
        .extracting(ServicePort::getName, ServicePort::getPort, ServicePort::getAppProtocol)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("http", 8000, "http"),
            org.assertj.core.groups.Tuple.tuple("grpc", 8001, "grpc"));
    for (ServicePort port : ports) {
      assertThat(containerPorts).containsKey(port.getTargetPort().getStrVal());
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void replicasShareTheRepositoryVolumeInPollModeAndOnlyServe(Path overlay) {
    List<HasMetadata> objects = Manifests.kustomize(overlay);
    Deployment deployment = one(objects, Deployment.class);
    Container server = serverContainer(objects);
    assertThat(server.getArgs())
        .contains(
            "--model-repository=/models", "--model-control-mode=poll", "--max-training-jobs=0");
    Volume repository =
        volumeMountedAt(deployment.getSpec().getTemplate().getSpec(), server, "/models");
    assertThat(repository.getPersistentVolumeClaim().getClaimName())
        .isEqualTo(one(objects, PersistentVolumeClaim.class).getMetadata().getName());
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("prometheus.io/scrape", "true")
        .containsEntry("prometheus.io/port", "8000")
        .containsEntry("prometheus.io/path", "/metrics");
  }

  @Test
  void onlyTheGpuOverlayRequestsAGpuAndUsesTheGpuImage() {
    Container gpu = serverContainer(Manifests.kustomize(K8S.resolve("overlays/gpu")));
    assertThat(gpu.getImage()).isEqualTo("jvm-model-server:gpu");
    assertThat(gpu.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));

    Container cpu = serverContainer(Manifests.kustomize(K8S.resolve("overlays/cpu")));
    assertThat(cpu.getImage()).isEqualTo("jvm-model-server:latest");
    assertThat(cpu.getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
    assertThat(cpu.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(cpu.getResources().getLimits()).containsKeys("cpu", "memory");
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theHpaScalesTheDeploymentOnTheAdaptersQueueTimeMetric(Path overlay) {
    List<HasMetadata> objects = Manifests.kustomize(overlay);
    HorizontalPodAutoscaler hpa = one(objects, HorizontalPodAutoscaler.class);
    assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
    assertThat(hpa.getSpec().getScaleTargetRef().getName())
        .isEqualTo(one(objects, Deployment.class).getMetadata().getName());
    MetricSpec metric = hpa.getSpec().getMetrics().get(0);
    assertThat(metric.getType()).isEqualTo("Pods");

    JsonNode rule = queueTimeRule();
    assertThat(metric.getPods().getMetric().getName())
        .isEqualTo(rule.path("name").path("as").asString());
  }

  @Test
  void theAdapterRuleDividesQueueTimeByRequestsPerPod() {
    JsonNode rule = queueTimeRule();
    String query = rule.path("metricsQuery").asString();
    assertThat(query)
        .contains("nv_inference_queue_duration_us{<<.LabelMatchers>>}")
        .contains("nv_inference_request_success{<<.LabelMatchers>>}")
        .contains("by (<<.GroupBy>>)");
    assertThat(rule.path("resources").path("overrides").path("pod").path("resource").asString())
        .isEqualTo("pod");
    assertThat(metricNames(query + rule.path("seriesQuery").asString()))
        .isSubsetOf(ExportedMetricNames.tritonFamilies());
  }

  @Test
  void theDashboardQueriesOnlyMetricsTheServerExports() throws IOException {
    JsonNode dashboard =
        JsonMapper.builder()
            .build()
            .readTree(K8S.resolve("grafana/model-server-dashboard.json").toFile());
    StringBuilder expressions = new StringBuilder();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        expressions.append(target.path("expr").asString()).append('\n');
      }
    }
    Set<String> used = metricNames(expressions.toString());
    assertThat(used).isSubsetOf(ExportedMetricNames.tritonFamilies());
    assertThat(used)
        .contains(
            "nv_inference_request_success",
            "nv_inference_request_failure",
            "nv_inference_queue_duration_us",
            "nv_inference_compute_infer_duration_us",
            "nv_gpu_utilization");
  }

  @Test
  void bothKServeRuntimesServeV2FromMntModelsWithTheToken() {
    for (String file : List.of("kserve/servingruntime.yaml", "kserve/clusterservingruntime.yaml")) {
      GenericKubernetesResource runtime = Manifests.generic(K8S.resolve(file));
      assertThat(runtime.getApiVersion()).as(file).isEqualTo("serving.kserve.io/v1alpha1");
      Map<String, Object> spec = map(runtime.getAdditionalProperties().get("spec"));
      assertThat(spec.get("protocolVersions")).as(file).isEqualTo(List.of("v2", "grpc-v2"));
      assertThat(formats(spec)).as(file).containsKeys("onnx", "pytorch");
      formats(spec).values().forEach(format -> assertThat(format).containsKey("autoSelect"));

      List<Container> containers =
          list(spec.get("containers")).stream()
              .map(container -> Manifests.STRICT.convertValue(container, Container.class))
              .toList();
      assertThat(containers).as(file).hasSize(1);
      Container server = containers.get(0);
      assertThat(server.getName()).isEqualTo("kserve-container");
      assertThat(server.getArgs())
          .contains("--model-repository=/mnt/models", "--http-port=8080", "--grpc-port=9000");
      tokenReference(server);
      assertThat(server.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/v2/health/ready");
      assertThat(server.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/v2/health/live");
      assertThat(server.getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(server.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    }
    assertThat(Manifests.generic(K8S.resolve("kserve/servingruntime.yaml")).getKind())
        .isEqualTo("ServingRuntime");
    assertThat(Manifests.generic(K8S.resolve("kserve/clusterservingruntime.yaml")).getKind())
        .isEqualTo("ClusterServingRuntime");
  }

  /**
   * KServe orders the ClusterServingRuntimes that auto-select a format by priority, and one without
   * a priority ranks after those with one, ties going to the newest: a silent choice. Its webhook
   * refuses an equal priority for the same format. So a format this server auto-selects
   * cluster-wide needs a priority, and not kserve-tritonserver's. A namespaced ServingRuntime
   * always comes before every ClusterServingRuntime; it needs a priority among its own kind.
   */
  @Test
  void autoSelectedFormatsNeverTieSilentlyWithTriton() {
    // config/runtimes/kserve-tritonserver.yaml of KServe: onnx at priority 1; its pytorch does not
    // auto-select
    Map<String, Integer> tritonPriorities = Map.of("onnx", 1, "tensorrt", 1, "tensorflow", 1);
    Map<String, Map<String, Object>> cluster =
        formats(spec(Manifests.generic(K8S.resolve("kserve/clusterservingruntime.yaml"))));
    cluster.forEach(
        (name, format) -> {
          if (Boolean.TRUE.equals(format.get("autoSelect"))) {
            assertThat(format.get("priority")).as(name).isNotNull();
            assertThat(format.get("priority")).as(name).isNotEqualTo(tritonPriorities.get(name));
          }
        });
    Map<String, Map<String, Object>> namespaced =
        formats(spec(Manifests.generic(K8S.resolve("kserve/servingruntime.yaml"))));
    namespaced.forEach(
        (name, format) -> {
          if (Boolean.TRUE.equals(format.get("autoSelect"))) {
            assertThat(format.get("priority")).as(name).isNotNull();
          }
        });
  }

  @Test
  void theRawModeInferenceServiceExposesHttpAndGrpcAndTheServerlessOneOnePort() {
    Map<String, Object> raw = predictorModel("kserve/inferenceservice.yaml");
    assertThat(raw)
        .containsEntry("runtime", "jvm-model-server")
        .containsEntry("protocolVersion", "v2");
    assertThat(list(raw.get("ports")))
        .extracting(port -> map(port).get("containerPort"))
        .containsExactly(8080, 9000);
    assertThat(
            Manifests.generic(K8S.resolve("kserve/inferenceservice.yaml"))
                .getMetadata()
                .getAnnotations())
        .containsEntry("serving.kserve.io/deploymentMode", "RawDeployment");

    Map<String, Object> serverless = predictorModel("kserve/inferenceservice-serverless.yaml");
    assertThat(serverless).containsEntry("protocolVersion", "v2");
    assertThat(serverless.get("ports") == null ? List.of() : list(serverless.get("ports")))
        .hasSizeLessThanOrEqualTo(1);
  }

  @Test
  void theKServeSecretHoldsTheKeyTheRuntimesRead() {
    Secret secret = (Secret) Manifests.typed(K8S.resolve("kserve/admin-token-secret.yaml")).get(0);
    SecretKeySelector reference =
        tokenReference(
            Manifests.STRICT.convertValue(
                list(spec(Manifests.generic(K8S.resolve("kserve/servingruntime.yaml")))
                        .get("containers"))
                    .get(0),
                Container.class));
    assertThat(secret.getMetadata().getName()).isEqualTo(reference.getName());
    assertThat(secret.getStringData()).containsKey(reference.getKey());
  }

  @Test
  void theFineTuneJobPublishesIntoTheServingRepository() throws IOException {
    Job job = (Job) Manifests.typed(K8S.resolve("finetune/job.yaml")).get(0);
    ConfigMap spec =
        (ConfigMap) Manifests.typed(K8S.resolve("finetune/spec-configmap.yaml")).get(0);
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    Container finetune = pod.getContainers().get(0);
    assertThat(finetune.getImage()).isEqualTo("jvm-model-server:latest");
    assertThat(finetune.getArgs().get(0)).isEqualTo("finetune");
    assertThat(finetune.getArgs()).contains("--model-repository=/models", "--spec=/spec/job.json");
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertNonRootReadOnly(pod, finetune);

    Volume repository = volumeMountedAt(pod, finetune, "/models");
    String claim =
        ((PersistentVolumeClaim)
                Manifests.typed(K8S.resolve("base/model-repository-pvc.yaml")).get(0))
            .getMetadata()
            .getName();
    assertThat(repository.getPersistentVolumeClaim().getClaimName()).isEqualTo(claim);
    assertThat(repository.getPersistentVolumeClaim().getReadOnly()).isNotEqualTo(Boolean.TRUE);
    assertThat(mountAt(finetune, "/models").getReadOnly()).isNotEqualTo(Boolean.TRUE);

    Volume specVolume = volumeMountedAt(pod, finetune, "/spec");
    assertThat(specVolume.getConfigMap().getName()).isEqualTo(spec.getMetadata().getName());
    JsonNode body = JsonMapper.builder().build().readTree(spec.getData().get("job.json"));
    assertThat(body.has("dataset")).isTrue();
    String dataset = body.path("dataset").path("path").asString();
    assertThat(spec.getData()).containsKey(dataset);
  }

  @Test
  void theStrictParserRejectsAnUnknownField() {
    String misspelt =
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: d}
        spec:
          selector: {matchLabels: {app: d}}
          template:
            metadata: {labels: {app: d}}
            spec:
              containers:
                - name: c
                  image: i
                  readinessProbes: {httpGet: {path: /v2/health/ready, port: 8000}}
        """;
    assertThatThrownBy(() -> Manifests.typed(misspelt)).hasMessageContaining("readinessProbes");
    assertThat(Manifests.typed(misspelt.replace("readinessProbes", "readinessProbe"))).hasSize(1);
  }

  @Test
  void aCustomResourcesMetadataIsStrictToo() {
    String misplaced =
        """
        apiVersion: serving.kserve.io/v1alpha1
        kind: ServingRuntime
        metadata: {name: r, annotation: {a: b}}
        spec: {}
        """;
    assertThatThrownBy(
            () ->
                Manifests.STRICT.treeToValue(
                    Manifests.documents(misplaced).get(0), GenericKubernetesResource.class))
        .hasMessageContaining("annotation");
  }

  @Test
  void aMissingKubectlFailsWithWhatToInstall() {
    assertThatThrownBy(() -> Manifests.kubectl("kubectl-that-is-not-installed", "version"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("needs kubectl");
  }

  private static void assertHttpProbe(Probe probe, String path, Container container) {
    assertThat(probe).as(path).isNotNull();
    assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
    String port = probe.getHttpGet().getPort().getStrVal();
    assertThat(container.getPorts())
        .filteredOn(candidate -> candidate.getName().equals(port))
        .extracting(candidate -> candidate.getContainerPort())
        .containsExactly(8000);
  }

  private static void assertNonRootReadOnly(PodSpec pod, Container container) {
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(volumeMountedAt(pod, container, "/tmp").getEmptyDir()).isNotNull();
  }

  private static SecretKeySelector tokenReference(Container container) {
    List<EnvVar> token =
        container.getEnv().stream().filter(env -> env.getName().equals(TOKEN_ENV)).toList();
    assertThat(token).as(container.getName() + " sets " + TOKEN_ENV).hasSize(1);
    assertThat(token.get(0).getValue()).as("the token's literal value").isNull();
    SecretKeySelector reference = token.get(0).getValueFrom().getSecretKeyRef();
    assertThat(reference).as(TOKEN_ENV + " from a Secret").isNotNull();
    return reference;
  }

  private static Volume volumeMountedAt(PodSpec pod, Container container, String path) {
    String name = mountAt(container, path).getName();
    return pod.getVolumes().stream()
        .filter(volume -> volume.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no volume " + name));
  }

  private static VolumeMount mountAt(Container container, String path) {
    return container.getVolumeMounts().stream()
        .filter(mount -> mount.getMountPath().equals(path))
        .findFirst()
        .orElseThrow(() -> new AssertionError("nothing is mounted at " + path));
  }

  private static Container serverContainer(List<HasMetadata> objects) {
    List<Container> containers =
        one(objects, Deployment.class).getSpec().getTemplate().getSpec().getContainers();
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  private static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
    List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(found).as(type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  private static JsonNode queueTimeRule() {
    JsonNode values =
        Manifests.documents(
                Manifests.read(K8S.resolve("autoscaling/prometheus-adapter-values.yaml")))
            .get(0);
    JsonNode rules = values.path("rules").path("custom");
    assertThat(rules.size()).isEqualTo(1);
    return rules.get(0);
  }

  private static Set<String> metricNames(String promql) {
    Set<String> names = new java.util.TreeSet<>();
    Matcher matcher = Pattern.compile("\\bnv_[a-z_]+\\b").matcher(promql);
    while (matcher.find()) {
      names.add(matcher.group());
    }
    return names;
  }

  private static Map<String, Object> predictorModel(String file) {
    GenericKubernetesResource service = Manifests.generic(K8S.resolve(file));
    assertThat(service.getKind()).isEqualTo("InferenceService");
    return map(map(spec(service).get("predictor")).get("model"));
  }

  private static Map<String, Object> spec(GenericKubernetesResource resource) {
    return map(resource.getAdditionalProperties().get("spec"));
  }

  /** The model formats by name; each name once. */
  private static Map<String, Map<String, Object>> formats(Map<String, Object> spec) {
    Map<String, Map<String, Object>> byName = new java.util.LinkedHashMap<>();
    List<String> names = new ArrayList<>();
    for (Object format : list(spec.get("supportedModelFormats"))) {
      Map<String, Object> fields = map(format);
      names.add((String) fields.get("name"));
      byName.put((String) fields.get("name"), fields);
    }
    assertThat(names).doesNotHaveDuplicates();
    return byName;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    assertThat(value).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object value) {
    assertThat(value).isInstanceOf(List.class);
    return (List<Object>) value;
  }
}
