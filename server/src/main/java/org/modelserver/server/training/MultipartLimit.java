package org.modelserver.server.training;

import java.util.Map;
import org.modelserver.server.config.ServerOptions;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.multipart.MaxUploadSizeExceededException;

/**
 * A multipart body over {@code max-request-size} (the limit {@link TrainingConfiguration} gives
 * multipart parsing): 413 with a message naming the option, like every other body over it. Spring
 * parses multipart bodies before any controller runs, so this answers for every path.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class MultipartLimit {
  private final long limit;

  MultipartLimit(ServerOptions options) {
    this.limit = options.maxRequestSize().toBytes();
  }

  @ExceptionHandler(MaxUploadSizeExceededException.class)
  ResponseEntity<Map<String, String>> tooLarge() {
    return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE)
        .contentType(MediaType.APPLICATION_JSON)
        .body(
            Map.of(
                "error",
                "multipart request body exceeds the limit of "
                    + limit
                    + " bytes (option max-request-size)"));
  }
}
