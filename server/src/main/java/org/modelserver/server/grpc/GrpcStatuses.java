package org.modelserver.server.grpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.server.Messages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become gRPC statuses, with the same messages the REST API sends. No
 * stack trace ever reaches a client; genuine faults are logged here.
 */
final class GrpcStatuses {
  private static final Logger log = LoggerFactory.getLogger(GrpcStatuses.class);

  /** Seconds to wait before retrying, as HTTP's Retry-After. */
  static final Metadata.Key<String> RETRY_AFTER =
      Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);

  static final Metadata.Key<String> RETRY_PUSHBACK_MS =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  private GrpcStatuses() {}

  /** The status code of a runtime failure kind. */
  static Status.Code code(ServingException e) {
    return switch (e.kind()) {
      case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.Code.NOT_FOUND;
      case CONFLICT -> Status.Code.FAILED_PRECONDITION;
      case TOO_LARGE -> Status.Code.RESOURCE_EXHAUSTED;
      // not ready, a full queue and a queue timeout: retrying later may succeed
      case UNAVAILABLE, CAPACITY_EXCEEDED -> Status.Code.UNAVAILABLE;
      case RATE_LIMITED -> Status.Code.RESOURCE_EXHAUSTED;
      case CANCELLED -> Status.Code.CANCELLED;
      case INTERNAL -> Status.Code.INTERNAL;
    };
  }

  /**
   * The status to send for a failure of {@code rpc}.
   *
   * @param failure anything thrown by the runtime or the adapter, possibly wrapped by a future
   */
  static StatusRuntimeException toStatus(String rpc, Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof ServingException serving) {
      Status.Code code = code(serving);
      if (code == Status.Code.INTERNAL) {
        log.error("gRPC {} failed: {}", rpc, serving.getMessage(), serving);
      }
      Metadata trailers = new Metadata();
      serving
          .retryAfter()
          .ifPresent(
              wait -> {
                long millis = Math.max(1, wait.toMillis());
                trailers.put(RETRY_AFTER, Long.toString((millis + 999) / 1000));
                // gRPC's own hint, honoured by clients with a retry policy
                trailers.put(RETRY_PUSHBACK_MS, Long.toString(millis));
              });
      return Status.fromCode(code)
          .withDescription(Messages.bounded(serving.getMessage()))
          .asRuntimeException(trailers);
    }
    if (cause instanceof java.util.concurrent.CancellationException) {
      // the caller cancelled the call or its deadline passed: nothing to report
      return Status.CANCELLED.withDescription("the call was cancelled").asRuntimeException();
    }
    if (cause instanceof StatusRuntimeException status) {
      return status;
    }
    if (cause instanceof StatusException status) {
      return status.getStatus().asRuntimeException(status.getTrailers());
    }
    log.error("gRPC {} failed unexpectedly", rpc, cause);
    return Status.INTERNAL
        .withDescription("internal server error; see the server log")
        .asRuntimeException();
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable current = failure;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
