package org.modelserver.server.rest;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Replaces Spring Boot's {@code /error} page so that errors raised outside the controllers still
 * answer {@code {"error": ...}} without internals.
 */
@RestController
class FallbackErrorController implements ErrorController {
  static final String PATH = "/error";

  @RequestMapping(PATH)
  ResponseEntity<Map<String, String>> error(HttpServletRequest request) {
    Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    if (code == null) {
      return RestErrorHandler.body(HttpStatus.NOT_FOUND, "no endpoint " + PATH);
    }
    HttpStatus status =
        code instanceof Integer value && HttpStatus.resolve(value) != null
            ? HttpStatus.valueOf(value)
            : HttpStatus.INTERNAL_SERVER_ERROR;
    Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
    String message =
        status.is5xxServerError()
            ? "internal server error; see the server log"
            : status.value() + " " + status.getReasonPhrase() + (uri == null ? "" : " for " + uri);
    return RestErrorHandler.body(status, message);
  }
}
