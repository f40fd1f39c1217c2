package org.modelserver.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.modelserver.server.TestRepos;
import org.modelserver.server.security.Callers.Call;
import org.modelserver.server.security.Callers.Rpc;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * No token reaches the log: not at start, not on a refused request, not on an accepted one. The
 * tokens come from files here, which also proves the file options are wired.
 */
@ExtendWith(OutputCaptureExtension.class)
class TokenLoggingTest {
  private static final String ADMIN = "admin-token-e41f07c2";
  private static final String INFERENCE = "inference-token-9ad3b5e1";
  private static final String WRONG = "wrong-token-0c6b2d97";

  @Test
  void tokensNeverAppearInTheLog(@TempDir Path dir, CapturedOutput output) throws Exception {
    Path adminFile = Files.writeString(dir.resolve("admin"), ADMIN + "\n");
    Path inferenceFile = Files.writeString(dir.resolve("inference"), INFERENCE + "\n");
    try (ConfigurableApplicationContext server =
        TestRepos.start(
            "--model-repository=" + TestRepos.exampleRepo(),
            "--admin-token-file=" + adminFile,
            "--inference-token-file=" + inferenceFile,
            "--logging.level.org.modelserver=TRACE",
            "--logging.level.org.springframework.web=DEBUG")) {
      Call index = new Call("POST", "/v2/repository/index");
      Call infer = new Call("POST", "/v2/models/classifier/infer", ApiCalls.INFER_BODY);
      String loopback = Callers.LOOPBACK;
      assertThat(Callers.rest(server, loopback, index, "Bearer " + WRONG).status()).isEqualTo(401);
      assertThat(Callers.rest(server, loopback, index, "Bearer " + INFERENCE).status())
          .isEqualTo(401);
      assertThat(Callers.rest(server, loopback, index, "Bearer " + ADMIN).status()).isEqualTo(200);
      assertThat(Callers.rest(server, loopback, infer, "Bearer " + WRONG).status()).isEqualTo(401);
      assertThat(Callers.rest(server, loopback, infer, "Bearer " + INFERENCE).status())
          .isEqualTo(200);
      assertThat(Callers.rest(server, loopback, infer, "Bearer " + ADMIN).status()).isEqualTo(200);

      Rpc repositoryIndex = ApiCalls.managementRpcs().get("RepositoryIndex");
      Rpc modelInfer = ApiCalls.inferenceRpcs().get("ModelInfer");
      assertThat(Callers.grpc(server, loopback, "Bearer " + WRONG, repositoryIndex).getCode())
          .isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(Callers.grpc(server, loopback, "Bearer " + ADMIN, repositoryIndex).getCode())
          .isEqualTo(Status.Code.OK);
      assertThat(Callers.grpc(server, loopback, "Bearer " + WRONG, modelInfer).getCode())
          .isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(Callers.grpc(server, loopback, "Bearer " + INFERENCE, modelInfer).getCode())
          .isEqualTo(Status.Code.OK);
    }
    assertThat(output.getAll())
        .as("the capture sees the server's log")
        .contains("Access: management needs the admin token; inference needs the inference token")
        .doesNotContain(ADMIN)
        .doesNotContain(INFERENCE)
        .doesNotContain(WRONG);
  }
}
