package org.modelserver.server.grpc;

import static org.modelserver.server.Versions.versionNames;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.modelserver.grpc.v2.InferBatchStatistics;
import org.modelserver.grpc.v2.InferStatistics;
import org.modelserver.grpc.v2.ModelInput;
import org.modelserver.grpc.v2.ModelMetadataResponse;
import org.modelserver.grpc.v2.ModelMetadataResponse.TensorMetadata;
import org.modelserver.grpc.v2.ModelOutput;
import org.modelserver.grpc.v2.ModelStatisticsResponse;
import org.modelserver.grpc.v2.ModelVersionPolicy;
import org.modelserver.grpc.v2.RepositoryIndexResponse;
import org.modelserver.grpc.v2.RepositoryIndexResponse.ModelIndex;
import org.modelserver.grpc.v2.StatisticDuration;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.ModelWarmup;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.config.VersionPolicy;
import org.modelserver.runtime.registry.IndexEntry;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.registry.ModelVersion;
import org.modelserver.runtime.stats.BatchStats;
import org.modelserver.runtime.stats.Duration;
import org.modelserver.runtime.stats.ModelStatistics;
import org.modelserver.server.ServerReadiness;

/**
 * The gRPC answers about models: metadata, readiness, configuration, statistics and the repository
 * index, with the same content and the same errors as the REST API's {@code ModelController} and
 * {@code StatisticsController}.
 */
final class GrpcViews {
  private final ModelRegistry registry;
  private final ServerReadiness readiness;

  GrpcViews(ModelRegistry registry, ServerReadiness readiness) {
    this.registry = registry;
    this.readiness = readiness;
  }

  /** NOT_FOUND for an unknown model or version, UNAVAILABLE for one that is not ready. */
  ModelMetadataResponse metadata(String name, String version) {
    String model = InferRequestDecoder.modelName(name, "name");
    ModelVersion resolved = registry.resolve(model, InferRequestDecoder.version(version));
    ModelConfig config = resolved.config().orElseThrow();
    ModelMetadataResponse.Builder response =
        ModelMetadataResponse.newBuilder()
            .setName(model)
            .addAllVersions(versionNames(registry.find(model).orElseThrow().readyVersions()))
            .setPlatform(config.platform().orElse(""));
    for (TensorSpec spec : config.inputs()) {
      response.addInputs(tensor(spec, config.batched()));
    }
    for (TensorSpec spec : config.outputs()) {
      response.addOutputs(tensor(spec, config.batched()));
    }
    return response.build();
  }

  /** True when ready; false (not an error) when known but not ready; NOT_FOUND when unknown. */
  boolean ready(String name, String version) {
    String model = InferRequestDecoder.modelName(name, "name");
    return registry.notReadyReason(model, InferRequestDecoder.version(version)).isEmpty();
  }

  /**
   * Every model is READY in all its selected versions (the REST API's {@code /v2/health/ready}).
   */
  boolean serverReady() {
    return readiness.isReady();
  }

  /** The completed configuration, as {@code GET .../config} shows it. */
  org.modelserver.grpc.v2.ModelConfig config(String name, String version) {
    String model = InferRequestDecoder.modelName(name, "name");
    ModelConfig config =
        registry.resolve(model, InferRequestDecoder.version(version)).config().orElseThrow();
    org.modelserver.grpc.v2.ModelConfig.Builder proto =
        org.modelserver.grpc.v2.ModelConfig.newBuilder()
            .setName(config.name())
            .setPlatform(config.platform().orElse(""))
            .setMaxBatchSize(config.maxBatch())
            .setVersionPolicy(versionPolicy(config.versionPolicy()));
    for (TensorSpec spec : config.inputs()) {
      proto.addInput(
          ModelInput.newBuilder()
              .setName(spec.name())
              .setDataType(dataType(spec))
              .addAllDims(longs(spec.dims())));
    }
    for (TensorSpec spec : config.outputs()) {
      ModelOutput.Builder output =
          ModelOutput.newBuilder()
              .setName(spec.name())
              .setDataType(dataType(spec))
              .addAllDims(longs(spec.dims()));
      String labels = config.labelFiles().get(spec.name());
      if (labels != null) {
        output.setLabelFilename(labels);
      }
      proto.addOutput(output);
    }
    config.defaultModelFilename().ifPresent(proto::setDefaultModelFilename);
    config.dynamicBatching().ifPresent(batching -> proto.setDynamicBatching(batching(batching)));
    for (org.modelserver.runtime.config.InstanceGroup group : config.instanceGroups()) {
      proto.addInstanceGroup(
          org.modelserver.grpc.v2.ModelInstanceGroup.newBuilder()
              .setCount(group.count())
              .setKind(org.modelserver.grpc.v2.ModelInstanceGroup.Kind.valueOf(group.kind()))
              .addAllGpus(group.gpus()));
    }
    for (ModelWarmup sample : config.warmup()) {
      org.modelserver.grpc.v2.ModelWarmup.Builder warmup =
          org.modelserver.grpc.v2.ModelWarmup.newBuilder()
              .setName(sample.name())
              .setBatchSize(sample.batchSize())
              .setCount(sample.count());
      sample
          .inputs()
          .forEach(
              (inputName, input) -> {
                org.modelserver.grpc.v2.ModelWarmup.Input.Builder data =
                    org.modelserver.grpc.v2.ModelWarmup.Input.newBuilder()
                        .setDataType(
                            org.modelserver.grpc.v2.DataType.valueOf(input.dataType().configName()))
                        .addAllDims(longs(input.dims()));
                switch (input.source()) {
                  case ZERO -> data.setZeroData(true);
                  case RANDOM -> data.setRandomData(true);
                  case FILE -> data.setInputDataFile(input.dataFile());
                }
                warmup.putInputs(inputName, data.build());
              });
      proto.addModelWarmup(warmup);
    }
    if (config.isEnsemble()) {
      org.modelserver.grpc.v2.ModelEnsembling.Builder ensemble =
          org.modelserver.grpc.v2.ModelEnsembling.newBuilder();
      for (org.modelserver.runtime.config.EnsembleStep step : config.ensembleSteps()) {
        ensemble.addStep(
            org.modelserver.grpc.v2.ModelEnsembling.Step.newBuilder()
                .setModelName(step.modelName())
                .setModelVersion(step.modelVersion())
                .putAllInputMap(step.inputMap())
                .putAllOutputMap(step.outputMap()));
      }
      proto.setEnsembleScheduling(ensemble);
    }
    config
        .parameters()
        .forEach(
            (key, value) ->
                proto.putParameters(
                    key,
                    org.modelserver.grpc.v2.ModelParameter.newBuilder()
                        .setStringValue(value)
                        .build()));
    return proto.build();
  }

  private static org.modelserver.grpc.v2.ModelDynamicBatching batching(
      org.modelserver.runtime.config.DynamicBatching batching) {
    org.modelserver.grpc.v2.ModelDynamicBatching.Builder proto =
        org.modelserver.grpc.v2.ModelDynamicBatching.newBuilder()
            .addAllPreferredBatchSize(batching.preferredBatchSizes())
            .setMaxQueueDelayMicroseconds(batching.maxQueueDelayMicros())
            .setPreserveOrdering(batching.preserveOrdering())
            .setPriorityLevels(batching.priorityLevels())
            .setDefaultPriorityLevel(batching.defaultPriorityLevel())
            .setDefaultQueuePolicy(queuePolicy(batching.defaultQueuePolicy()));
    batching
        .priorityQueuePolicies()
        .forEach((level, policy) -> proto.putPriorityQueuePolicy(level, queuePolicy(policy)));
    return proto.build();
  }

  private static org.modelserver.grpc.v2.ModelQueuePolicy queuePolicy(
      org.modelserver.runtime.config.QueuePolicy policy) {
    return org.modelserver.grpc.v2.ModelQueuePolicy.newBuilder()
        .setTimeoutAction(
            org.modelserver.grpc.v2.ModelQueuePolicy.TimeoutAction.valueOf(
                policy.timeoutAction().name()))
        .setDefaultTimeoutMicroseconds(policy.defaultTimeoutMicros())
        .setAllowTimeoutOverride(policy.allowTimeoutOverride())
        .setMaxQueueSize(policy.maxQueueSize())
        .build();
  }

  /**
   * Statistics of READY versions: every one of every model (no name), every one of a model (no
   * version), or one version. NOT_FOUND / UNAVAILABLE as for inference.
   */
  ModelStatisticsResponse statistics(String name, String version) {
    List<ModelVersion> versions =
        registry.statisticsOf(
            name.isEmpty() ? Optional.empty() : Optional.of(name),
            InferRequestDecoder.version(version));
    ModelStatisticsResponse.Builder response = ModelStatisticsResponse.newBuilder();
    for (ModelVersion each : versions) {
      response.addModelStats(modelStatistics(each));
    }
    return response.build();
  }

  /**
   * Every version of every model with its state (READY or UNAVAILABLE) and reason; a model none of
   * whose versions could even be listed appears once, without a version.
   */
  static RepositoryIndexResponse index(List<IndexEntry> entries) {
    RepositoryIndexResponse.Builder response = RepositoryIndexResponse.newBuilder();
    for (IndexEntry entry : entries) {
      response.addModels(
          ModelIndex.newBuilder()
              .setName(entry.name())
              .setVersion(entry.version())
              .setState(entry.state().name())
              .setReason(entry.reason()));
    }
    return response.build();
  }

  private static TensorMetadata tensor(TensorSpec spec, boolean batched) {
    return TensorMetadata.newBuilder()
        .setName(spec.name())
        .setDatatype(spec.dataType().protocolName())
        .addAllShape(longs(spec.shape(batched)))
        .build();
  }

  private static org.modelserver.grpc.v2.DataType dataType(TensorSpec spec) {
    return org.modelserver.grpc.v2.DataType.valueOf(spec.dataType().configName());
  }

  private static List<Long> longs(long[] values) {
    return Arrays.stream(values).boxed().toList();
  }

  private static ModelVersionPolicy versionPolicy(VersionPolicy policy) {
    if (policy instanceof VersionPolicy.Latest latest) {
      return ModelVersionPolicy.newBuilder()
          .setLatest(ModelVersionPolicy.Latest.newBuilder().setNumVersions(latest.numVersions()))
          .build();
    }
    if (policy instanceof VersionPolicy.Specific specific) {
      return ModelVersionPolicy.newBuilder()
          .setSpecific(ModelVersionPolicy.Specific.newBuilder().addAllVersions(specific.sorted()))
          .build();
    }
    return ModelVersionPolicy.newBuilder()
        .setAll(ModelVersionPolicy.All.getDefaultInstance())
        .build();
  }

  private static org.modelserver.grpc.v2.ModelStatistics modelStatistics(ModelVersion version) {
    ModelStatistics statistics = version.statistics();
    InferStatistics inference =
        InferStatistics.newBuilder()
            .setSuccess(duration(statistics.success()))
            .setFail(duration(statistics.fail()))
            .setQueue(duration(statistics.queue()))
            .setComputeInput(duration(statistics.computeInput()))
            .setComputeInfer(duration(statistics.computeInfer()))
            .setComputeOutput(duration(statistics.computeOutput()))
            // there is no response cache: hits and misses are always zero
            .setCacheHit(StatisticDuration.getDefaultInstance())
            .setCacheMiss(StatisticDuration.getDefaultInstance())
            .build();
    org.modelserver.grpc.v2.ModelStatistics.Builder stat =
        org.modelserver.grpc.v2.ModelStatistics.newBuilder()
            .setName(version.modelName())
            .setVersion(Long.toString(version.version()))
            .setLastInference(statistics.lastInferenceMillis())
            .setInferenceCount(statistics.inferenceCount())
            .setExecutionCount(statistics.executionCount())
            .setInferenceStats(inference);
    for (BatchStats batch : statistics.batchStats().values()) {
      stat.addBatchStats(
          InferBatchStatistics.newBuilder()
              .setBatchSize(batch.batchSize())
              .setComputeInput(duration(batch.computeInput()))
              .setComputeInfer(duration(batch.computeInfer()))
              .setComputeOutput(duration(batch.computeOutput())));
    }
    return stat.build();
  }

  private static StatisticDuration duration(Duration duration) {
    return StatisticDuration.newBuilder().setCount(duration.count()).setNs(duration.ns()).build();
  }
}
