package org.modelserver.server.grpc;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.ModelConfigRequest;
import org.modelserver.grpc.v2.ModelConfigResponse;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelInferResponse;
import org.modelserver.grpc.v2.ModelMetadataRequest;
import org.modelserver.grpc.v2.ModelMetadataResponse;
import org.modelserver.grpc.v2.ModelReadyRequest;
import org.modelserver.grpc.v2.ModelReadyResponse;
import org.modelserver.grpc.v2.ModelRepositoryParameter;
import org.modelserver.grpc.v2.ModelStatisticsRequest;
import org.modelserver.grpc.v2.ModelStatisticsResponse;
import org.modelserver.grpc.v2.ModelStreamInferResponse;
import org.modelserver.grpc.v2.RepositoryIndexRequest;
import org.modelserver.grpc.v2.RepositoryIndexResponse;
import org.modelserver.grpc.v2.RepositoryModelLoadRequest;
import org.modelserver.grpc.v2.RepositoryModelLoadResponse;
import org.modelserver.grpc.v2.RepositoryModelUnloadRequest;
import org.modelserver.grpc.v2.RepositoryModelUnloadResponse;
import org.modelserver.grpc.v2.ServerLiveRequest;
import org.modelserver.grpc.v2.ServerLiveResponse;
import org.modelserver.grpc.v2.ServerMetadataRequest;
import org.modelserver.grpc.v2.ServerMetadataResponse;
import org.modelserver.grpc.v2.ServerReadyRequest;
import org.modelserver.grpc.v2.ServerReadyResponse;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.inference.Admission;
import org.modelserver.runtime.inference.InferenceResponse;
import org.modelserver.runtime.inference.InferenceService;
import org.modelserver.runtime.registry.LoadParameters;
import org.modelserver.runtime.registry.ModelManager;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.server.ServerIdentity;
import org.modelserver.server.codec.RawTensors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code inference.GRPCInferenceService}: a thin adapter from the KServe v2 gRPC protocol to the
 * runtime's inference path and registry, the gRPC twin of the REST controllers. Failures become
 * statuses in {@link GrpcStatuses}.
 */
final class InferenceGrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(InferenceGrpcService.class);

  /** Load parameters in protobuf: {@code config} as string_param, files as bytes_param. */
  private static final LoadParameters.Decoder<ModelRepositoryParameter> PROTO_PARAMETERS =
      new LoadParameters.Decoder<>() {
        @Override
        public String text(String key, ModelRepositoryParameter value) {
          if (value.getParameterChoiceCase()
              != ModelRepositoryParameter.ParameterChoiceCase.STRING_PARAM) {
            throw ServingException.invalidArgument(
                "parameter 'config' must be a string_param holding the model config as JSON");
          }
          return value.getStringParam();
        }

        @Override
        public byte[] bytes(String key, ModelRepositoryParameter value) {
          if (value.getParameterChoiceCase()
              != ModelRepositoryParameter.ParameterChoiceCase.BYTES_PARAM) {
            throw ServingException.invalidArgument(
                "parameter '" + key + "' must be a bytes_param holding the file's contents");
          }
          return value.getBytesParam().toByteArray();
        }
      };

  private final InferenceService inference;
  private final GrpcViews views;
  private final String version;
  private final ModelManager manager;
  private final int streamWindow;

  /**
   * @param streamWindow requests one ModelStreamInfer stream may have taken and not yet answered
   */
  InferenceGrpcService(
      InferenceService inference,
      GrpcViews views,
      String version,
      ModelManager manager,
      int streamWindow) {
    this.streamWindow = streamWindow;
    this.manager = manager;
    this.inference = inference;
    this.views = views;
    this.version = version;
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> response) {
    unary("ServerLive", response, () -> ServerLiveResponse.newBuilder().setLive(true).build());
  }

  @Override
  public void serverReady(
      ServerReadyRequest request, StreamObserver<ServerReadyResponse> response) {
    unary(
        "ServerReady",
        response,
        () -> ServerReadyResponse.newBuilder().setReady(views.serverReady()).build());
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> response) {
    unary(
        "ModelReady",
        response,
        () ->
            ModelReadyResponse.newBuilder()
                .setReady(views.ready(request.getName(), request.getVersion()))
                .build());
  }

  @Override
  public void serverMetadata(
      ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> response) {
    unary(
        "ServerMetadata",
        response,
        () ->
            ServerMetadataResponse.newBuilder()
                .setName(ServerIdentity.NAME)
                .setVersion(version)
                .addAllExtensions(ServerIdentity.EXTENSIONS)
                .build());
  }

  @Override
  public void modelMetadata(
      ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> response) {
    unary("ModelMetadata", response, () -> views.metadata(request.getName(), request.getVersion()));
  }

  @Override
  public void modelConfig(
      ModelConfigRequest request, StreamObserver<ModelConfigResponse> response) {
    unary(
        "ModelConfig",
        response,
        () ->
            ModelConfigResponse.newBuilder()
                .setConfig(views.config(request.getName(), request.getVersion()))
                .build());
  }

  @Override
  public void modelStatistics(
      ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> response) {
    unary(
        "ModelStatistics",
        response,
        () -> views.statistics(request.getName(), request.getVersion()));
  }

  @Override
  public void repositoryIndex(
      RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> response) {
    unary("RepositoryIndex", response, () -> GrpcViews.index(manager.index(request.getReady())));
  }

  /**
   * Triton's load: parameter {@code config} (string) overrides the model config, and parameters
   * {@code file:<version>/<name>} (bytes) carry files to create versions from.
   */
  @Override
  public void repositoryModelLoad(
      RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> response) {
    unary(
        "RepositoryModelLoad",
        response,
        () -> {
          LoadParameters parameters =
              LoadParameters.of(request.getParametersMap(), PROTO_PARAMETERS);
          manager.load(request.getModelName(), parameters.config(), parameters.files());
          return RepositoryModelLoadResponse.getDefaultInstance();
        });
  }

  /**
   * Triton's unload; {@code unload_dependents} (bool_param true) unloads the loaded ensembles that
   * use the model too.
   */
  @Override
  public void repositoryModelUnload(
      RepositoryModelUnloadRequest request,
      StreamObserver<RepositoryModelUnloadResponse> response) {
    unary(
        "RepositoryModelUnload",
        response,
        () -> {
          for (String key : request.getParametersMap().keySet()) {
            if (!key.equals("unload_dependents")) {
              throw ServingException.invalidArgument(
                  "unknown unload parameter '" + key + "'; expected unload_dependents");
            }
          }
          org.modelserver.grpc.v2.ModelRepositoryParameter dependents =
              request.getParametersMap().get("unload_dependents");
          if (dependents != null
              && dependents.getParameterChoiceCase()
                  != org.modelserver.grpc.v2.ModelRepositoryParameter.ParameterChoiceCase
                      .BOOL_PARAM) {
            throw ServingException.invalidArgument("'unload_dependents' must be a bool_param");
          }
          manager.unload(request.getModelName(), dependents != null && dependents.getBoolParam());
          return RepositoryModelUnloadResponse.getDefaultInstance();
        });
  }

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> response) {
    CompletableFuture<InferenceResponse> result = infer(request);
    // A cancelled call or a passed deadline withdraws the request if it has not started to run.
    Context.current().addListener(context -> result.cancel(false), Runnable::run);
    result.whenComplete(
        (value, failure) -> {
          try {
            if (failure != null) {
              response.onError(GrpcStatuses.toStatus("ModelInfer", failure));
              return;
            }
            response.onNext(encode(value));
            response.onCompleted();
          } catch (RuntimeException e) {
            // the call was cancelled or the response could not be built
            sendFailure(response, "ModelInfer", e);
          }
        });
  }

  @Override
  public StreamObserver<ModelInferRequest> modelStreamInfer(
      StreamObserver<ModelStreamInferResponse> responses) {
    return new StreamInfer(
        (ServerCallStreamObserver<ModelStreamInferResponse>) responses, streamWindow);
  }

  /**
   * One bidirectional stream: every request gets one response, in the order results complete (the
   * response carries the request's {@code id}); a failed request gets its {@code error_message} and
   * the stream goes on. The stream ends once the client has half-closed and every request has been
   * answered.
   *
   * <p>Flow control: at most {@code window} requests are taken from the client before their
   * responses are sent, and a response is only sent while the client reads (the call is ready). A
   * client that stops reading stops being read: HTTP/2 flow control then holds its messages, and
   * the server keeps at most {@code window} requests and responses for it. Cancelling the stream
   * withdraws its requests that have not started to run.
   */
  private final class StreamInfer implements StreamObserver<ModelInferRequest> {
    private final ServerCallStreamObserver<ModelStreamInferResponse> responses;
    private final Object lock = new Object();
    // Guarded by lock.
    private final ArrayDeque<ModelStreamInferResponse> unsent = new ArrayDeque<>();
    private final Set<CompletableFuture<InferenceResponse>> running = new HashSet<>();
    private int pending;
    private boolean halfClosed;
    private boolean done;

    StreamInfer(ServerCallStreamObserver<ModelStreamInferResponse> responses, int window) {
      this.responses = responses;
      responses.disableAutoRequest();
      responses.setOnReadyHandler(this::sendReady);
      responses.setOnCancelHandler(this::cancelled);
      responses.request(window);
    }

    @Override
    public void onNext(ModelInferRequest request) {
      // Completion keeps only what names the request, not the request with its tensors.
      ModelInferResponse origin =
          ModelInferResponse.newBuilder()
              .setModelName(request.getModelName())
              .setModelVersion(request.getModelVersion())
              .setId(request.getId())
              .build();
      CompletableFuture<InferenceResponse> result = infer(request);
      synchronized (lock) {
        pending++;
        if (done) {
          result.cancel(false);
        } else {
          running.add(result);
        }
      }
      result.whenComplete(
          (value, failure) -> {
            ModelStreamInferResponse message;
            try {
              message =
                  failure == null
                      ? ModelStreamInferResponse.newBuilder()
                          .setInferResponse(encode(value))
                          .build()
                      : error(origin, failure);
            } catch (RuntimeException e) {
              message = error(origin, e);
            }
            synchronized (lock) {
              running.remove(result);
              if (!done) {
                unsent.addLast(message);
              }
            }
            sendReady();
          });
    }

    /** Sends the finished responses while the client reads, taking one request for each. */
    private void sendReady() {
      synchronized (lock) {
        while (!done && !unsent.isEmpty() && responses.isReady()) {
          responses.onNext(unsent.pollFirst());
          pending--;
          if (!halfClosed) {
            responses.request(1);
          }
        }
        completeIfFinished();
      }
    }

    private void cancelled() {
      List<CompletableFuture<InferenceResponse>> withdrawn;
      synchronized (lock) {
        done = true;
        unsent.clear();
        withdrawn = new ArrayList<>(running);
        running.clear();
      }
      withdrawn.forEach(future -> future.cancel(false));
    }

    private ModelStreamInferResponse error(ModelInferResponse origin, Throwable failure) {
      StatusRuntimeException status = GrpcStatuses.toStatus("ModelStreamInfer", failure);
      String description = status.getStatus().getDescription();
      return ModelStreamInferResponse.newBuilder()
          .setErrorMessage(description == null ? status.getStatus().getCode().name() : description)
          // names the request the error belongs to
          .setInferResponse(origin)
          .build();
    }

    @Override
    public void onError(Throwable failure) {
      cancelled();
      log.debug("ModelStreamInfer: the client ended the stream: {}", failure.toString());
    }

    @Override
    public void onCompleted() {
      synchronized (lock) {
        halfClosed = true;
        completeIfFinished();
      }
    }

    private void completeIfFinished() {
      if (halfClosed && pending == 0 && !done) {
        done = true;
        responses.onCompleted();
      }
    }
  }

  /**
   * Admits, decodes and runs a request; a request refused or that cannot be decoded gives a failed
   * future. Admission comes first: an unknown model is NOT_FOUND whatever else is wrong, and a
   * request the server cannot take now is refused before its tensors are decoded.
   */
  private CompletableFuture<InferenceResponse> infer(ModelInferRequest request) {
    Admission admission;
    try {
      admission =
          inference.admit(
              InferRequestDecoder.modelName(request.getModelName(), "model_name"),
              InferRequestDecoder.version(request.getModelVersion()),
              callerOf(),
              request.getSerializedSize(),
              InferenceGrpcService::header);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    try {
      return inference.infer(admission, InferRequestDecoder.decode(request, admission.inputPlan()));
    } catch (RuntimeException e) {
      admission.close();
      return CompletableFuture.failedFuture(e);
    }
  }

  /** A metadata value of the current call, for a sticky traffic split; null when absent. */
  private static String header(String name) {
    Metadata headers = AccessInterceptor.HEADERS.get();
    return headers == null
        ? null
        : headers.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
  }

  private static String callerOf() {
    String caller = AccessInterceptor.CALLER.get();
    return caller == null ? "unknown-address" : caller;
  }

  /** The response with every output's data in {@code raw_output_contents}, in output order. */
  static ModelInferResponse encode(InferenceResponse result) {
    ModelInferResponse.Builder response =
        ModelInferResponse.newBuilder()
            .setModelName(result.modelName())
            .setModelVersion(Long.toString(result.modelVersion()));
    if (result.id() != null) {
      response.setId(result.id());
    }
    for (Map.Entry<String, Tensor> output : result.outputs().entrySet()) {
      Tensor tensor = output.getValue();
      response.addOutputs(
          ModelInferResponse.InferOutputTensor.newBuilder()
              .setName(output.getKey())
              .setDatatype(tensor.dataType().protocolName())
              .addAllShape(java.util.Arrays.stream(tensor.shape()).boxed().toList()));
      response.addRawOutputContents(RawTensors.encode(tensor));
    }
    return response.build();
  }

  private static <T> void unary(String rpc, StreamObserver<T> response, Supplier<T> answer) {
    T value;
    try {
      value = answer.get();
    } catch (RuntimeException e) {
      sendFailure(response, rpc, e);
      return;
    }
    response.onNext(value);
    response.onCompleted();
  }

  private static void sendFailure(StreamObserver<?> response, String rpc, Throwable failure) {
    try {
      response.onError(GrpcStatuses.toStatus(rpc, failure));
    } catch (RuntimeException e) {
      log.debug("gRPC {}: could not send the failure, the call is gone: {}", rpc, e.toString());
    }
  }
}
