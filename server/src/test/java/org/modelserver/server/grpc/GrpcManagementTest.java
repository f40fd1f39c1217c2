package org.modelserver.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.modelserver.server.grpc.GrpcTestClient.failure;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelRepositoryParameter;
import org.modelserver.grpc.v2.RepositoryIndexRequest;
import org.modelserver.grpc.v2.RepositoryModelLoadRequest;
import org.modelserver.grpc.v2.RepositoryModelUnloadRequest;
import org.modelserver.server.TestRepos;
import org.springframework.context.ConfigurableApplicationContext;

/** RepositoryModelLoad / RepositoryModelUnload on a real server in explicit mode. */
class GrpcManagementTest {
  @TempDir Path repo;

  private static ModelInferRequest infer(String model) {
    return GrpcTestClient.classifierRequest("").toBuilder().setModelName(model).build();
  }

  @Test
  void loadWithConfigAndFileParametersThenUnload() throws IOException {
    try (ConfigurableApplicationContext server =
            TestRepos.start(
                "--model-repository=" + repo, "--model-control-mode=explicit", "--grpc-port=0");
        GrpcTestClient grpc = GrpcTestClient.of(server)) {
      byte[] onnx = Files.readAllBytes(TestRepos.exampleRepo().resolve("classifier/2/model.onnx"));
      grpc.stub()
          .repositoryModelLoad(
              RepositoryModelLoadRequest.newBuilder()
                  .setModelName("grpc_loaded")
                  .putParameters(
                      "config",
                      ModelRepositoryParameter.newBuilder()
                          .setStringParam("{\"max_batch_size\": 4}")
                          .build())
                  .putParameters(
                      "file:7/model.onnx",
                      ModelRepositoryParameter.newBuilder()
                          .setBytesParam(ByteString.copyFrom(onnx))
                          .build())
                  .build());
      assertThat(grpc.stub().modelInfer(infer("grpc_loaded")).getModelVersion()).isEqualTo("7");
      assertThat(
              grpc.stub()
                  .repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(true).build())
                  .getModelsList())
          .anySatisfy(
              entry -> {
                assertThat(entry.getName()).isEqualTo("grpc_loaded");
                assertThat(entry.getVersion()).isEqualTo("7");
                assertThat(entry.getState()).isEqualTo("READY");
              });

      Status wrongType =
          failure(
              () ->
                  grpc.stub()
                      .repositoryModelLoad(
                          RepositoryModelLoadRequest.newBuilder()
                              .setModelName("grpc_loaded")
                              .putParameters(
                                  "config",
                                  ModelRepositoryParameter.newBuilder().setBoolParam(true).build())
                              .build()));
      assertThat(wrongType.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(wrongType.getDescription()).contains("string_param");

      grpc.stub()
          .repositoryModelUnload(
              RepositoryModelUnloadRequest.newBuilder()
                  .setModelName("grpc_loaded")
                  .putParameters(
                      "unload_dependents",
                      ModelRepositoryParameter.newBuilder().setBoolParam(false).build())
                  .build());
      Status refused = failure(() -> grpc.stub().modelInfer(infer("grpc_loaded")));
      assertThat(refused.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(refused.getDescription()).contains("unloaded");

      Status unknown =
          failure(
              () ->
                  grpc.stub()
                      .repositoryModelLoad(
                          RepositoryModelLoadRequest.newBuilder().setModelName("absent").build()));
      assertThat(unknown.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    }
  }
}
