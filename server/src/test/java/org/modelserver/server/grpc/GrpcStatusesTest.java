package org.modelserver.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.error.ErrorKind;
import org.modelserver.runtime.error.ServingException;

/** Every runtime failure kind has its gRPC status, with the runtime's message. */
class GrpcStatusesTest {
  private static StatusRuntimeException status(ErrorKind kind) {
    return GrpcStatuses.toStatus(
        "Test", new CompletionException(new ServingException(kind, "what went wrong")));
  }

  @Test
  void everyKindHasItsCode() {
    assertThat(status(ErrorKind.INVALID_ARGUMENT).getStatus().getCode())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status(ErrorKind.NOT_FOUND).getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(status(ErrorKind.UNAVAILABLE).getStatus().getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status(ErrorKind.CAPACITY_EXCEEDED).getStatus().getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status(ErrorKind.TOO_LARGE).getStatus().getCode())
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status(ErrorKind.INTERNAL).getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    for (ErrorKind kind : ErrorKind.values()) {
      assertThat(status(kind).getStatus().getDescription()).isEqualTo("what went wrong");
    }
  }

  @Test
  void unexpectedFailuresHideTheirDetails() {
    StatusRuntimeException status =
        GrpcStatuses.toStatus("Test", new IllegalStateException("secret detail"));
    assertThat(status.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(status.getStatus().getDescription()).doesNotContain("secret");
  }
}
