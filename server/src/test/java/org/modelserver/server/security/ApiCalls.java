package org.modelserver.server.security;

import java.util.List;
import java.util.Map;
import org.modelserver.grpc.v2.InferTensorContents;
import org.modelserver.grpc.v2.ModelConfigRequest;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelMetadataRequest;
import org.modelserver.grpc.v2.ModelReadyRequest;
import org.modelserver.grpc.v2.ModelStatisticsRequest;
import org.modelserver.grpc.v2.RepositoryIndexRequest;
import org.modelserver.grpc.v2.RepositoryModelLoadRequest;
import org.modelserver.grpc.v2.RepositoryModelUnloadRequest;
import org.modelserver.grpc.v2.ServerLiveRequest;
import org.modelserver.grpc.v2.ServerMetadataRequest;
import org.modelserver.grpc.v2.ServerReadyRequest;
import org.modelserver.server.security.Callers.Call;
import org.modelserver.server.security.Callers.Rpc;

/**
 * Every endpoint of each kind, as calls on the example repository. Management calls name a model
 * that does not exist, so that the ones the guard lets through change nothing.
 */
final class ApiCalls {
  private ApiCalls() {}

  static final String INFER_BODY =
      "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\","
          + "\"data\":[0.1,0.2,0.3,0.4]}]}";

  /** Every management path with each method it has (or will have). */
  static List<Call> management() {
    return List.of(
        new Call("POST", "/v2/repository/index"),
        new Call("OPTIONS", "/v2/repository/index"),
        new Call("POST", "/v2/repository/models/absent/load"),
        new Call("POST", "/v2/repository/models/absent/unload"),
        new Call("GET", "/v2/models/absent/default"),
        new Call("PUT", "/v2/models/absent/default"),
        new Call("DELETE", "/v2/models/absent/default"),
        new Call("GET", "/v2/models/absent/versions/1/default"),
        new Call("PUT", "/v2/models/absent/versions/1/default"),
        new Call("DELETE", "/v2/models/absent/versions/1/default"),
        new Call("GET", "/v2/models/absent/traffic"),
        new Call("PUT", "/v2/models/absent/traffic"),
        new Call("DELETE", "/v2/models/absent/traffic"),
        new Call("GET", "/v2/models/absent/rollout"),
        new Call("PUT", "/v2/models/absent/rollout"),
        new Call("DELETE", "/v2/models/absent/rollout"),
        new Call("GET", "/v2/models/absent/shadow"),
        new Call("PUT", "/v2/models/absent/shadow"),
        new Call("DELETE", "/v2/models/absent/shadow"),
        new Call("POST", "/v2/models/absent/finetune"),
        new Call("GET", "/v2/models/absent/finetune"),
        new Call("POST", "/v2/models/absent/versions/1/finetune"),
        new Call("GET", "/v2/models/absent/versions/1/finetune"),
        new Call("GET", "/v2/training/jobs"),
        new Call("POST", "/v2/training/jobs"),
        new Call("GET", "/v2/training/jobs/absent"),
        new Call("DELETE", "/v2/training/jobs/absent"));
  }

  /** Metadata, configuration, statistics and inference: each answers 200 when let through. */
  static List<Call> inference() {
    return List.of(
        new Call("GET", "/v2"),
        new Call("GET", "/v2/models/classifier"),
        new Call("GET", "/v2/models/classifier/versions/1"),
        new Call("GET", "/v2/models/classifier/config"),
        new Call("GET", "/v2/models/classifier/versions/1/config"),
        new Call("GET", "/v2/models/stats"),
        new Call("GET", "/v2/models/classifier/stats"),
        new Call("GET", "/v2/models/classifier/versions/1/stats"),
        new Call("POST", "/v2/models/classifier/infer", INFER_BODY),
        new Call("POST", "/v2/models/classifier/versions/1/infer", INFER_BODY));
  }

  /** Health and metrics: each answers 200 to anyone. */
  static List<Call> open() {
    return List.of(
        new Call("GET", "/v2/health/live"),
        new Call("GET", "/v2/health/ready"),
        new Call("GET", "/v2/models/classifier/ready"),
        new Call("GET", "/v2/models/classifier/versions/1/ready"),
        new Call("GET", "/metrics"));
  }

  static Map<String, Rpc> managementRpcs() {
    return Map.of(
        "RepositoryIndex",
        stub -> stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()),
        "RepositoryModelLoad",
        stub ->
            stub.repositoryModelLoad(
                RepositoryModelLoadRequest.newBuilder().setModelName("absent").build()),
        "RepositoryModelUnload",
        stub ->
            stub.repositoryModelUnload(
                RepositoryModelUnloadRequest.newBuilder().setModelName("absent").build()));
  }

  /** The inference service's unary inference RPCs; each succeeds when let through. */
  static Map<String, Rpc> inferenceRpcs() {
    return Map.of(
        "ServerMetadata",
        stub -> stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()),
        "ModelMetadata",
        stub -> stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("classifier").build()),
        "ModelConfig",
        stub -> stub.modelConfig(ModelConfigRequest.newBuilder().setName("classifier").build()),
        "ModelStatistics",
        stub ->
            stub.modelStatistics(ModelStatisticsRequest.newBuilder().setName("classifier").build()),
        "ModelInfer",
        stub -> stub.modelInfer(inferRequest()));
  }

  static Map<String, Rpc> openRpcs() {
    return Map.of(
        "ServerLive",
        stub -> stub.serverLive(ServerLiveRequest.getDefaultInstance()),
        "ServerReady",
        stub -> stub.serverReady(ServerReadyRequest.getDefaultInstance()),
        "ModelReady",
        stub -> stub.modelReady(ModelReadyRequest.newBuilder().setName("classifier").build()));
  }

  static ModelInferRequest inferRequest() {
    return ModelInferRequest.newBuilder()
        .setModelName("classifier")
        .addInputs(
            ModelInferRequest.InferInputTensor.newBuilder()
                .setName("features")
                .setDatatype("FP32")
                .addShape(1)
                .addShape(4)
                .setContents(
                    InferTensorContents.newBuilder()
                        .addFp32Contents(0.1f)
                        .addFp32Contents(0.2f)
                        .addFp32Contents(0.3f)
                        .addFp32Contents(0.4f)))
        .build();
  }
}
