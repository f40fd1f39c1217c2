package org.modelserver.server.rest;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.catalina.connector.ClientAbortException;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.server.Messages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.HttpMediaTypeException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.context.request.async.AsyncRequestTimeoutException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * The one place where failures become HTTP statuses. Every error body is {@code {"error": msg}}; no
 * stack trace ever reaches a client.
 */
@RestControllerAdvice
class RestErrorHandler {
  private static final Logger log = LoggerFactory.getLogger(RestErrorHandler.class);

  static HttpStatus status(ServingException e) {
    return switch (e.kind()) {
      case INVALID_ARGUMENT -> HttpStatus.BAD_REQUEST;
      case NOT_FOUND -> HttpStatus.NOT_FOUND;
      case TOO_LARGE -> HttpStatus.CONTENT_TOO_LARGE;
      case CONFLICT -> HttpStatus.CONFLICT;
      case UNAVAILABLE, CAPACITY_EXCEEDED, CANCELLED -> HttpStatus.SERVICE_UNAVAILABLE;
      // 429, not 503: a load balancer must not eject a replica for one caller's excess
      case RATE_LIMITED -> HttpStatus.TOO_MANY_REQUESTS;
      case INTERNAL -> HttpStatus.INTERNAL_SERVER_ERROR;
    };
  }

  /** Whole seconds to wait, rounded up, for {@code Retry-After}. */
  static String retryAfterSeconds(java.time.Duration wait) {
    long millis = Math.max(1, wait.toMillis());
    return Long.toString((millis + 999) / 1000);
  }

  static ResponseEntity<Map<String, String>> body(HttpStatus status, String message) {
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .body(Map.of("error", Messages.bounded(message)));
  }

  /** A multipart body that cannot be parsed (no boundary, an unterminated part): the client's. */
  @ExceptionHandler(org.springframework.web.multipart.MultipartException.class)
  ResponseEntity<Map<String, String>> malformedMultipart(
      org.springframework.web.multipart.MultipartException e) {
    return body(
        HttpStatus.BAD_REQUEST,
        "malformed multipart body: expected multipart/form-data with a boundary and terminated"
            + " parts");
  }

  @ExceptionHandler(ServingException.class)
  ResponseEntity<Map<String, String>> serving(ServingException e, HttpServletRequest request) {
    HttpStatus status = status(e);
    if (status.is5xxServerError() && status != HttpStatus.SERVICE_UNAVAILABLE) {
      log.error(
          "{} {} failed: {}", request.getMethod(), request.getRequestURI(), e.getMessage(), e);
    }
    ResponseEntity<Map<String, String>> response = body(status, e.getMessage());
    if (e.retryAfter().isPresent()) {
      return ResponseEntity.status(status)
          .header(HttpHeaders.RETRY_AFTER, retryAfterSeconds(e.retryAfter().get()))
          .contentType(MediaType.APPLICATION_JSON)
          .body(response.getBody());
    }
    return response;
  }

  /** The client sent its body too slowly; the connection is closed so no thread waits on it. */
  @ExceptionHandler(RequestBodies.BodyTimeoutException.class)
  ResponseEntity<Map<String, String>> slowBody(RequestBodies.BodyTimeoutException e) {
    return ResponseEntity.status(HttpStatus.REQUEST_TIMEOUT)
        .header(HttpHeaders.CONNECTION, "close")
        .contentType(MediaType.APPLICATION_JSON)
        .body(Map.of("error", Messages.bounded(e.getMessage())));
  }

  @ExceptionHandler({CompletionException.class, ExecutionException.class})
  ResponseEntity<Map<String, String>> unwrap(Exception e, HttpServletRequest request) {
    Throwable cause = e.getCause();
    if (cause instanceof ServingException serving) {
      return serving(serving, request);
    }
    return unexpected(cause instanceof Exception inner ? inner : e, request);
  }

  @ExceptionHandler(NoResourceFoundException.class)
  ResponseEntity<Map<String, String>> noRoute(HttpServletRequest request) {
    return body(
        HttpStatus.NOT_FOUND,
        "no endpoint " + request.getRequestURI() + "; see openapi.yaml for the API");
  }

  @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
  ResponseEntity<Map<String, String>> wrongMethod(
      HttpRequestMethodNotSupportedException e, HttpServletRequest request) {
    return body(
        HttpStatus.METHOD_NOT_ALLOWED,
        request.getMethod()
            + " is not allowed on "
            + request.getRequestURI()
            + "; use "
            + e.getSupportedHttpMethods());
  }

  @ExceptionHandler(HttpMediaTypeException.class)
  ResponseEntity<Map<String, String>> mediaType(HttpMediaTypeException e) {
    HttpStatus status =
        e instanceof org.springframework.web.HttpMediaTypeNotAcceptableException
            ? HttpStatus.NOT_ACCEPTABLE
            : HttpStatus.UNSUPPORTED_MEDIA_TYPE;
    return body(status, "unsupported media type: " + e.getMessage());
  }

  /** Tomcat could not decode the query string or a form body (a bad %-escape, wrong charset). */
  @ExceptionHandler(org.apache.tomcat.util.http.InvalidParameterException.class)
  ResponseEntity<Map<String, String>> undecodableParameters(
      org.apache.tomcat.util.http.InvalidParameterException e) {
    return body(
        HttpStatus.BAD_REQUEST,
        "the request's parameters (query string or form body) could not be decoded: expected"
            + " UTF-8 with valid %-escapes");
  }

  @ExceptionHandler(AsyncRequestTimeoutException.class)
  ResponseEntity<Map<String, String>> timeout() {
    return body(HttpStatus.SERVICE_UNAVAILABLE, "the request timed out inside the server");
  }

  /**
   * The client went away (closed the connection mid-response): nothing to answer, nothing wrong.
   */
  @ExceptionHandler({ClientAbortException.class, AsyncRequestNotUsableException.class})
  void clientGone(Exception e, HttpServletRequest request) {
    log.debug(
        "{} {}: client disconnected: {}",
        request.getMethod(),
        request.getRequestURI(),
        e.toString());
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<Map<String, String>> unexpected(Exception e, HttpServletRequest request) {
    if (e instanceof org.springframework.web.ErrorResponse error) {
      HttpStatus status = HttpStatus.resolve(error.getStatusCode().value());
      if (status != null && status.is4xxClientError()) {
        return body(
            status,
            error.getBody().getDetail() == null
                ? status.getReasonPhrase()
                : error.getBody().getDetail());
      }
    }
    log.error("{} {} failed unexpectedly", request.getMethod(), request.getRequestURI(), e);
    return body(HttpStatus.INTERNAL_SERVER_ERROR, "internal server error; see the server log");
  }
}
