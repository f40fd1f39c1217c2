package org.modelserver.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.InferTensorContents;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelInferRequest.InferInputTensor;
import org.modelserver.grpc.v2.ModelInferResponse;
import org.modelserver.server.security.Endpoint;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** A gRPC channel to a test server, and conversions between JSON test data and the protocol. */
public final class GrpcTestClient implements AutoCloseable {
  final ManagedChannel channel;
  private final ManagedChannel management;
  final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

  /** A client of one port, the repository RPCs included (which then need the admin token). */
  GrpcTestClient(int port) {
    this(port, -1);
  }

  /**
   * A client that sends the repository RPCs to the loopback management listener ({@code
   * managementPort}, where they need no token) and the rest to the serving port.
   */
  GrpcTestClient(int port, int managementPort) {
    channel = open(port);
    management = managementPort < 0 ? null : open(managementPort);
    Channel routed =
        management == null
            ? channel
            : new Channel() {
              @Override
              public <Q, R> ClientCall<Q, R> newCall(
                  MethodDescriptor<Q, R> method, CallOptions options) {
                boolean repository =
                    Endpoint.ofGrpcMethod(method.getFullMethodName()) == Endpoint.MANAGEMENT;
                return (repository ? management : channel).newCall(method, options);
              }

              @Override
              public String authority() {
                return channel.authority();
              }
            };
    stub = GRPCInferenceServiceGrpc.newBlockingStub(routed).withDeadlineAfter(2, TimeUnit.MINUTES);
  }

  /** A client of a running server, with management through its management listener. */
  static GrpcTestClient of(org.springframework.context.ApplicationContext server) {
    GrpcServer grpc = server.getBean(GrpcServer.class);
    return new GrpcTestClient(grpc.port(), grpc.managementPort());
  }

  private static ManagedChannel open(int port) {
    return NettyChannelBuilder.forAddress("localhost", port)
        .usePlaintext()
        .maxInboundMessageSize(256 << 20)
        .build();
  }

  GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub() {
    return stub.withDeadlineAfter(2, TimeUnit.MINUTES);
  }

  @Override
  public void close() {
    if (management != null) {
      management.shutdownNow();
    }
    channel.shutdownNow();
    try {
      channel.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The status a call fails with; fails the test if it succeeds. */
  static Status failure(ThrowableAssert.ThrowingCallable call) {
    try {
      call.call();
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    } catch (Throwable e) {
      throw new AssertionError("expected a gRPC status, got " + e, e);
    }
    throw new AssertionError("expected the call to fail");
  }

  /** A gRPC request equal to a JSON request: typed contents, or raw_input_contents. */
  /**
   * The example classifier's input [1, 2, 3, 4] (FP32, shape [1, 4]) for {@code version}, "" none.
   */
  public static ModelInferRequest classifierRequest(String version) {
    return ModelInferRequest.newBuilder()
        .setModelName("classifier")
        .setModelVersion(version)
        .addInputs(
            InferInputTensor.newBuilder()
                .setName("features")
                .setDatatype("FP32")
                .addShape(1)
                .addShape(4)
                .setContents(
                    InferTensorContents.newBuilder()
                        .addFp32Contents(1)
                        .addFp32Contents(2)
                        .addFp32Contents(3)
                        .addFp32Contents(4)))
        .build();
  }

  static ModelInferRequest request(String model, String version, JsonNode json, boolean raw) {
    ModelInferRequest.Builder request =
        ModelInferRequest.newBuilder().setModelName(model).setModelVersion(version);
    if (json.has("id")) {
      request.setId(json.get("id").stringValue());
    }
    for (JsonNode input : json.get("inputs")) {
      String datatype = input.get("datatype").stringValue();
      InferInputTensor.Builder tensor =
          InferInputTensor.newBuilder()
              .setName(input.get("name").stringValue())
              .setDatatype(datatype);
      input.get("shape").forEach(dim -> tensor.addShape(dim.longValue()));
      List<JsonNode> values = flatten(input.get("data"));
      if (raw) {
        request.addRawInputContents(raw(datatype, values));
      } else {
        tensor.setContents(contents(datatype, values));
      }
      request.addInputs(tensor);
    }
    return request.build();
  }

  static List<JsonNode> flatten(JsonNode data) {
    List<JsonNode> values = new ArrayList<>();
    if (data.isArray()) {
      data.forEach(child -> values.addAll(flatten(child)));
    } else {
      values.add(data);
    }
    return values;
  }

  static InferTensorContents contents(String datatype, List<JsonNode> values) {
    InferTensorContents.Builder contents = InferTensorContents.newBuilder();
    for (JsonNode value : values) {
      switch (datatype) {
        case "BOOL" -> contents.addBoolContents(value.booleanValue());
        case "INT8", "INT16", "INT32" -> contents.addIntContents(value.intValue());
        case "UINT8", "UINT16", "UINT32" -> contents.addUintContents((int) value.longValue());
        case "INT64" -> contents.addInt64Contents(value.longValue());
        case "UINT64" -> contents.addUint64Contents(value.longValue());
        case "FP32" -> contents.addFp32Contents(value.floatValue());
        case "FP64" -> contents.addFp64Contents(value.doubleValue());
        case "BYTES" -> contents.addBytesContents(ByteString.copyFromUtf8(value.stringValue()));
        default -> throw new IllegalArgumentException(datatype);
      }
    }
    return contents.build();
  }

  static ByteString raw(String datatype, List<JsonNode> values) {
    ByteBuffer out = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    for (JsonNode value : values) {
      switch (datatype) {
        case "BOOL" -> out.put((byte) (value.booleanValue() ? 1 : 0));
        case "INT8", "UINT8" -> out.put((byte) value.longValue());
        case "INT16", "UINT16" -> out.putShort((short) value.longValue());
        case "INT32", "UINT32" -> out.putInt((int) value.longValue());
        case "INT64", "UINT64" -> out.putLong(value.longValue());
        case "FP32" -> out.putFloat(value.floatValue());
        case "FP64" -> out.putDouble(value.doubleValue());
        case "BYTES" -> {
          byte[] bytes = value.stringValue().getBytes(StandardCharsets.UTF_8);
          out.putInt(bytes.length).put(bytes);
        }
        default -> throw new IllegalArgumentException(datatype);
      }
    }
    out.flip();
    return ByteString.copyFrom(out);
  }

  /** A gRPC response in the REST API's JSON form, for comparing the two. */
  static JsonNode json(ModelInferResponse response) {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    ObjectNode body = nodes.objectNode();
    body.put("model_name", response.getModelName());
    body.put("model_version", response.getModelVersion());
    if (!response.getId().isEmpty()) {
      body.put("id", response.getId());
    }
    var outputs = body.putArray("outputs");
    for (int i = 0; i < response.getOutputsCount(); i++) {
      ModelInferResponse.InferOutputTensor output = response.getOutputs(i);
      ObjectNode tensor = outputs.addObject();
      tensor.put("name", output.getName());
      tensor.put("datatype", output.getDatatype());
      var shape = tensor.putArray("shape");
      output.getShapeList().forEach(shape::add);
      var data = tensor.putArray("data");
      ByteBuffer in =
          response.getRawOutputContents(i).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      while (in.hasRemaining()) {
        switch (output.getDatatype()) {
          case "BOOL" -> data.add(in.get() != 0);
          case "UINT8" -> data.add(in.get() & 0xFF);
          case "INT8" -> data.add(in.get());
          case "UINT16" -> data.add(in.getShort() & 0xFFFF);
          case "INT16" -> data.add(in.getShort());
          case "UINT32" -> data.add(in.getInt() & 0xFFFFFFFFL);
          case "INT32" -> data.add(in.getInt());
          case "INT64", "UINT64" -> data.add(in.getLong());
          case "FP32" -> data.add(in.getFloat());
          case "FP64" -> data.add(in.getDouble());
          case "BYTES" -> {
            byte[] bytes = new byte[in.getInt()];
            in.get(bytes);
            data.add(new String(bytes, StandardCharsets.UTF_8));
          }
          default -> throw new IllegalArgumentException(output.getDatatype());
        }
      }
    }
    return body;
  }
}
