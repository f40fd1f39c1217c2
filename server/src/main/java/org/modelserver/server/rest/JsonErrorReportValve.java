package org.modelserver.server.rest;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;

/**
 * Answers errors that Tomcat raises before a request reaches Spring (a malformed URL, an encoded
 * slash, a bad %-escape) with the API's {@code {"error": ...}} body instead of an HTML page.
 */
public class JsonErrorReportValve extends ErrorReportValve {

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    String message =
        status == 400
            ? "the request line, URL or headers are malformed (for example an encoded '/', a"
                + " control character or an invalid %-escape in the path)"
            : "HTTP " + status;
    try {
      response.setContentType("application/json");
      response.setCharacterEncoding(StandardCharsets.UTF_8.name());
      Writer writer = response.getReporter();
      if (writer != null) {
        writer.write("{\"error\":\"" + message.replace("\"", "'") + "\"}");
        response.finishResponse();
      }
    } catch (IOException | IllegalStateException e) {
      // The client is gone or the response is already committed; nothing more to say.
    }
  }
}
