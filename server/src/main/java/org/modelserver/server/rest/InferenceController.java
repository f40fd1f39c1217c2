package org.modelserver.server.rest;

import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.inference.Admission;
import org.modelserver.runtime.inference.InferenceResponse;
import org.modelserver.runtime.inference.InferenceService;
import org.modelserver.server.Versions;
import org.modelserver.server.config.LimitOptions;
import org.modelserver.server.rest.json.InferRequestReader;
import org.modelserver.server.rest.json.InferResponseWriter;
import org.modelserver.server.rest.json.RestInferRequest;
import org.modelserver.server.security.ManagementAccess;
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
  private final ManagementAccess access;
  private final Duration resultTimeout;
  private final ClientWatch clients;

  InferenceController(
      InferenceService inference,
      RequestBodies bodies,
      RawInferRequests raw,
      ManagementAccess access,
      LimitOptions limits,
      ClientWatch clients) {
    this.clients = clients;
    this.inference = inference;
    this.bodies = bodies;
    this.raw = raw;
    this.access = access;
    this.resultTimeout = limits.restResultTimeout();
  }

  @PostMapping({"/v2/models/{model}/infer", "/v2/models/{model}/versions/{version}/infer"})
  ResponseEntity<byte[]> infer(
      @PathVariable String model,
      @PathVariable(required = false) String version,
      HttpServletRequest http) {
    Optional<Long> number = Versions.parse(version);
    // Admission comes before the body is read: an unknown model is 404 whatever else is wrong (as
    // in Triton), and a request the server cannot take now is refused without reading its body.
    inference.requireKnown(model, number);
    bodies.requireWithinLimit(http);
    Admission admission =
        inference.admit(
            model,
            number,
            access.caller(http),
            Math.max(0, http.getContentLengthLong()),
            http::getHeader);
    CompletableFuture<InferenceResponse> result;
    RestInferRequest request;
    try {
      int headerLength = headerLength(http.getHeader(HEADER_LENGTH));
      byte[] body = bodies.read(http, admission);
      request =
          headerLength == 0
              ? raw.read(admission, model, number, body)
              : reader.read(model, number, body, headerLength, admission.inputPlan());
      result = inference.infer(admission, request.request());
    } catch (RuntimeException e) {
      admission.close();
      throw e;
    }
    // The HTTP thread waits for its batch instead of going through Servlet async: measured here,
    // 32.8k requests/s against 25k for async dispatch (MLP, 64 connections). The wait is bounded;
    // a request that times out is withdrawn from its queue.
    InferenceResponse response;
    // A client that closes its connection while it waits withdraws its request.
    CompletableFuture<InferenceResponse> waited = result;
    ClientWatch.Watch watch = clients.watch(http, () -> waited.cancel(false));
    try {
      response = await(waited, model);
    } finally {
      watch.close();
    }
    InferResponseWriter.Encoded encoded = writer.write(response, request::isBinary);
    if (encoded.headerLength() < 0) {
      return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(encoded.body());
    }
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .header(HEADER_LENGTH, Integer.toString(encoded.headerLength()))
        .body(encoded.body());
  }

  private InferenceResponse await(CompletableFuture<InferenceResponse> result, String model) {
    try {
      return result.get(resultTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      result.cancel(false);
      throw ServingException.overloaded(
          "model '"
              + model
              + "' gave no result within "
              + resultTimeout.toMillis()
              + " ms (option rest-result-timeout); the request was withdrawn",
          Duration.ofSeconds(1));
    } catch (InterruptedException e) {
      result.cancel(false);
      Thread.currentThread().interrupt();
      throw ServingException.unavailable("the server is shutting down");
    } catch (java.util.concurrent.CancellationException e) {
      throw ServingException.cancelled("the client closed its connection");
    } catch (ExecutionException e) {
      // RestErrorHandler unwraps it.
      throw new CompletionException(e.getCause());
    }
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
