package org.modelserver.server.admission;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.modelserver.grpc.v2.GRPCInferenceServiceGrpc;
import org.modelserver.grpc.v2.InferTensorContents;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelInferResponse;
import org.modelserver.runtime.testsupport.TinyOnnx;
import org.modelserver.server.HttpTestClient;
import org.modelserver.server.TestRepos;
import org.modelserver.server.grpc.GrpcTestClient;

/** Repositories and requests shared by the admission tests. */
final class AdmissionFixtures {
  static final String CLASSIFIER_BODY =
      "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\","
          + "\"data\":[1,2,3,4]}]}";

  private AdmissionFixtures() {}

  /**
   * Adds model {@code slow} (see {@link TinyOnnx#slowSum()}: cost chosen per request, fails in the
   * engine for a size too large to allocate) with one instance and the given extra config lines.
   */
  static void addSlowModel(Path repo, String name, String extraConfig) {
    try {
      Path dir = Files.createDirectories(repo.resolve(name + "/1"));
      Files.write(dir.resolve("model.onnx"), TinyOnnx.slowSum());
      Files.writeString(
          repo.resolve(name + "/config.yaml"),
          "max_batch_size: 0\n"
              + "input:\n  - {name: size, data_type: TYPE_INT64, dims: [2]}\n"
              + "output:\n  - {name: sum, data_type: TYPE_FP32, dims: [1, 1]}\n"
              + "instance_group: [{count: 1, kind: KIND_CPU}]\n"
              + extraConfig);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies the example classifier and appends lines to its config. */
  static void addClassifier(Path repo, String extraConfig) {
    TestRepos.copyModel("classifier", repo);
    try {
      Path config = repo.resolve("classifier/config.yaml");
      Files.writeString(config, Files.readString(config) + "\n" + extraConfig);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A REST body asking a {@link #addSlowModel} model for an n×n product. */
  static String slowBody(long n) {
    return "{\"inputs\":[{\"name\":\"size\",\"shape\":[2],\"datatype\":\"INT64\",\"data\":["
        + n
        + ","
        + n
        + "]}]}";
  }

  static ModelInferRequest slowRequest(String model, long n, String id) {
    return ModelInferRequest.newBuilder()
        .setModelName(model)
        .setId(id)
        .addInputs(
            ModelInferRequest.InferInputTensor.newBuilder()
                .setName("size")
                .setDatatype("INT64")
                .addShape(2)
                .setContents(
                    InferTensorContents.newBuilder().addInt64Contents(n).addInt64Contents(n)))
        .build();
  }

  static ModelInferRequest classifierRequest(String id) {
    return GrpcTestClient.classifierRequest("").toBuilder().setId(id).build();
  }

  static HttpTestClient.Reply post(int port, String path, String body) {
    return new HttpTestClient(port).post(path, body);
  }

  static HttpTestClient.Reply get(int port, String path) {
    return new HttpTestClient(port).get(path);
  }

  /** The {@code success} count of a model's statistics, over all its versions. */
  static long successes(int port, String model) {
    String body = get(port, "/v2/models/" + model + "/stats").body();
    long total = 0;
    for (tools.jackson.databind.JsonNode stats :
        HttpTestClient.JSON.readTree(body).get("model_stats")) {
      total += stats.get("inference_stats").get("success").get("count").longValue();
    }
    return total;
  }

  /**
   * Keeps a one-instance slow model busy: two long requests, and once the second is queued the
   * first is surely running.
   */
  static List<ListenableFuture<ModelInferResponse>> busy(
      int port, ManagedChannel channel, String model) throws InterruptedException {
    List<ListenableFuture<ModelInferResponse>> busy = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      busy.add(
          GRPCInferenceServiceGrpc.newFutureStub(channel)
              .modelInfer(slowRequest(model, 3500, "busy" + i)));
    }
    awaitPending(port, model, 1);
    return busy;
  }

  static void awaitAll(List<ListenableFuture<ModelInferResponse>> futures) throws Exception {
    for (ListenableFuture<ModelInferResponse> future : futures) {
      future.get(60, TimeUnit.SECONDS);
    }
  }

  /** Waits until {@code count} requests of the model wait in its queue. */
  static void awaitPending(int port, String model, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      String metrics = get(port, "/metrics").body();
      for (String line : metrics.split("\n")) {
        if (line.startsWith("nv_inference_pending_request_count{model=\"" + model + "\"")
            && Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) >= count) {
          return;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("model " + model + " never had " + count + " pending requests");
  }
}
