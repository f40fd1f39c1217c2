package org.modelserver.server.warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.modelserver.runtime.concurrent.DaemonThreads;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.inference.InferenceResponse;
import org.modelserver.runtime.registry.Model;
import org.modelserver.runtime.registry.ModelRegistry;
import org.modelserver.runtime.registry.ModelVersion;
import org.modelserver.runtime.stats.ModelStatistics;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Shape;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.server.ServerReadiness;
import org.modelserver.server.codec.RawTensors;
import org.modelserver.server.grpc.GrpcCodecWarmup;
import org.modelserver.server.grpc.GrpcServer;
import org.modelserver.server.rest.json.InferRequestReader;
import org.modelserver.server.rest.json.InferResponseWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Warms the transports before the server says ready: for {@code --warmup-seconds} (10 by default; 0
 * turns it off) it decodes REST JSON, REST binary and gRPC requests for every ready model and
 * encodes their responses, in-process, so that the JIT has compiled those paths before the first
 * real request. Engines are warmed by each model's {@code model_warmup}; this touches no engine and
 * no statistics. Liveness stays true throughout; readiness ({@link ServerReadiness}) waits for it.
 */
@Component
public final class ServerWarmup {
  private static final Logger log = LoggerFactory.getLogger(ServerWarmup.class);

  private final ModelRegistry registry;
  private final ServerReadiness readiness;
  private final Duration budget;
  private final boolean selfTraffic;
  private final InferRequestReader reader = new InferRequestReader();
  private final InferResponseWriter writer = new InferResponseWriter();
  private volatile long rounds;
  private volatile long requests;
  private volatile String failure = "";

  public ServerWarmup(
      ModelRegistry registry,
      ServerReadiness readiness,
      @Value("${modelserver.warmup-seconds:10}") long seconds,
      @Value("${modelserver.inference-token:}") String inferenceToken,
      @Value("${modelserver.inference-token-file:}") String inferenceTokenFile) {
    if (seconds < 0) {
      throw new IllegalArgumentException("warmup-seconds must be 0 or more, got " + seconds);
    }
    this.registry = registry;
    this.readiness = readiness;
    this.budget = Duration.ofSeconds(seconds);
    // With an inference token the warm-up cannot call the API (tokens are kept as digests only).
    this.selfTraffic = inferenceToken.isBlank() && inferenceTokenFile.isBlank();
    readiness.warmingUp(!budget.isZero());
  }

  @EventListener
  public void start(ApplicationReadyEvent event) {
    if (budget.isZero()) {
      return;
    }
    int httpPort = -1;
    int grpcPort = -1;
    if (selfTraffic
        && event.getApplicationContext() instanceof WebServerApplicationContext web
        && web.getWebServer() != null) {
      httpPort = web.getWebServer().getPort();
      grpcPort = event.getApplicationContext().getBean(GrpcServer.class).port();
    }
    int http = httpPort;
    int grpc = grpcPort;
    Thread thread = DaemonThreads.named("server-warmup").newThread(() -> run(http, grpc));
    thread.start();
  }

  private void run(int httpPort, int grpcPort) {
    long started = System.nanoTime();
    long deadline = started + budget.toNanos();
    List<Sample> samples = new ArrayList<>();
    for (Model model : registry.models()) {
      model
          .defaultVersion()
          .flatMap(ModelVersion::config)
          .flatMap(config -> sample(model.name(), config))
          .ifPresent(samples::add);
    }
    List<ModelStatistics> muted = new ArrayList<>();
    for (Model model : registry.models()) {
      for (ModelVersion version : model.versions().values()) {
        version.statistics().mute(true);
        muted.add(version.statistics());
      }
    }
    SelfTraffic traffic =
        httpPort > 0 && !samples.isEmpty()
            ? SelfTraffic.start(samples, httpPort, grpcPort, deadline, readiness)
            : null;
    long checksum = 0;
    long done = 0;
    try {
      while (!samples.isEmpty() && System.nanoTime() < deadline && !readiness.isShuttingDown()) {
        for (Sample sample : samples) {
          checksum += sample.run(reader, writer);
        }
        done++;
        rounds = done;
      }
      if (traffic != null) {
        requests = traffic.await();
      }
      log.info(
          "Server warm-up: {} codec rounds and {} requests to itself over {} models in {} ms"
              + " (REST JSON, REST binary, gRPC) [{}]",
          done,
          requests,
          samples.size(),
          (System.nanoTime() - started) / 1_000_000,
          checksum & 0xff);
    } catch (Exception | LinkageError e) {
      failure = e.toString();
      log.warn("Server warm-up stopped early: {}", failure);
    } finally {
      if (traffic != null) {
        traffic.stop();
      }
      muted.forEach(statistics -> statistics.mute(false));
      readiness.warmingUp(false);
    }
  }

  /** Rounds over every model's transports done so far. */
  public long rounds() {
    return rounds;
  }

  /** Requests the warm-up sent to its own ports (0 when inference needs a token). */
  public long requests() {
    return requests;
  }

  /** Why the warm-up stopped before its time was up; empty when it did not. */
  public String failure() {
    return failure;
  }

  /** A request and a response shaped like the model's, with zeros; empty when it has none. */
  private static Optional<Sample> sample(String model, ModelConfig config) {
    if (config.inputs().isEmpty() || config.outputs().isEmpty()) {
      return Optional.empty();
    }
    boolean batched = config.batched();
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    for (TensorSpec spec : config.inputs()) {
      inputs.put(spec.name(), zeros(spec, batched));
    }
    Map<String, Tensor> outputs = new LinkedHashMap<>();
    for (TensorSpec spec : config.outputs()) {
      outputs.put(spec.name(), zeros(spec, batched));
    }
    return Optional.of(new Sample(model, inputs, new InferenceResponse(model, 1, "", outputs)));
  }

  private static Tensor zeros(TensorSpec spec, boolean batched) {
    long[] shape = spec.shape(batched);
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shape[i] < 0 ? 1 : shape[i];
    }
    int count = Math.toIntExact(Shape.elementCount(shape));
    if (spec.dataType() == DataType.BYTES) {
      byte[][] elements = new byte[count][];
      java.util.Arrays.fill(elements, new byte[0]);
      return Tensor.ofBytes(shape, elements);
    }
    return Tensor.of(
        spec.dataType(),
        shape,
        ByteBuffer.allocate(count * spec.dataType().byteSize()).order(ByteOrder.LITTLE_ENDIAN));
  }

  /** One model's request bodies (JSON, binary, gRPC) and response, built once. */
  static final class Sample {
    final String model;

    /** Null when an input's type cannot travel as JSON (FP16, BF16: binary only). */
    final byte[] json;

    final byte[] binary;
    final int binaryHeader;
    final byte[] grpc;
    private final InferenceResponse response;

    Sample(String model, Map<String, Tensor> inputs, InferenceResponse response) {
      this.model = model;
      this.response = response;
      StringBuilder text = new StringBuilder("{\"inputs\":[");
      StringBuilder header = new StringBuilder("{\"inputs\":[");
      java.io.ByteArrayOutputStream tail = new java.io.ByteArrayOutputStream();
      Map<String, GrpcCodecWarmup.RawInput> grpcInputs = new LinkedHashMap<>();
      boolean first = true;
      for (Map.Entry<String, Tensor> input : inputs.entrySet()) {
        Tensor tensor = input.getValue();
        String datatype = tensor.dataType().name();
        String shape = java.util.Arrays.toString(tensor.shape()).replace(" ", "");
        String prefix =
            (first ? "" : ",")
                + "{\"name\":\""
                + input.getKey()
                + "\",\"datatype\":\""
                + datatype
                + "\",\"shape\":"
                + shape;
        text.append(prefix).append(",\"data\":").append(zerosJson(tensor)).append('}');
        java.io.ByteArrayOutputStream encoded = new java.io.ByteArrayOutputStream();
        RawTensors.write(tensor, encoded);
        byte[] raw = encoded.toByteArray();
        header
            .append(prefix)
            .append(",\"parameters\":{\"binary_data_size\":")
            .append(raw.length)
            .append("}}");
        tail.writeBytes(raw);
        grpcInputs.put(input.getKey(), new GrpcCodecWarmup.RawInput(datatype, tensor.shape(), raw));
        first = false;
      }
      boolean jsonCarries =
          inputs.values().stream()
              .noneMatch(
                  tensor ->
                      tensor.dataType() == DataType.FP16 || tensor.dataType() == DataType.BF16);
      this.json =
          jsonCarries ? text.append("]}").toString().getBytes(StandardCharsets.UTF_8) : null;
      byte[] head = header.append("]}").toString().getBytes(StandardCharsets.UTF_8);
      this.binaryHeader = head.length;
      this.binary = new byte[head.length + tail.size()];
      System.arraycopy(head, 0, binary, 0, head.length);
      System.arraycopy(tail.toByteArray(), 0, binary, head.length, tail.size());
      this.grpc = GrpcCodecWarmup.request(model, grpcInputs);
    }

    /** One round over the three transports; returns sizes, so the work is not optimized away. */
    long run(InferRequestReader reader, InferResponseWriter writer) throws Exception {
      long size = 0;
      if (json != null) {
        size += reader.read(model, Optional.empty(), json).inputs().size();
      }
      size +=
          reader
              .read(
                  model,
                  Optional.empty(),
                  binary,
                  binaryHeader,
                  org.modelserver.runtime.inference.InputPlan.NONE)
              .request()
              .inputs()
              .size();
      if (json != null) {
        size += writer.write(response).length;
      }
      size += writer.write(response, name -> true).body().length;
      size += GrpcCodecWarmup.roundTrip(grpc, response);
      return size;
    }

    private static String zerosJson(Tensor tensor) {
      int count = tensor.elementCount();
      String zero =
          switch (tensor.dataType()) {
            case BOOL -> "false";
            case BYTES -> "\"\"";
            default -> "0";
          };
      StringBuilder values = new StringBuilder("[");
      for (int i = 0; i < count; i++) {
        values.append(i == 0 ? "" : ",").append(zero);
      }
      return values.append(']').toString();
    }
  }
}
