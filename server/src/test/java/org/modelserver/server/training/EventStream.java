package org.modelserver.server.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.modelserver.server.HttpTestClient;
import tools.jackson.databind.JsonNode;

/** A job's server-sent event stream, read on its own thread as the events arrive. */
final class EventStream {
  /** One event: its name and its JSON data. */
  record Event(String name, JsonNode data) {}

  private static final Event END = new Event("end of stream", null);

  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

  EventStream(int port, String id) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/v2/training/jobs/" + id + "/events"))
            .header("Accept", "text/event-stream")
            .build();
    HttpResponse<Stream<String>> response =
        HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElse(""))
        .startsWith("text/event-stream");
    Thread reader = new Thread(() -> read(response.body()), "sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void read(Stream<String> lines) {
    String[] name = {null};
    StringBuilder data = new StringBuilder();
    try {
      lines.forEach(
          line -> {
            if (line.startsWith("event:")) {
              name[0] = line.substring(6).strip();
            } else if (line.startsWith("data:")) {
              data.append(line.substring(5).strip());
            } else if (line.isEmpty() && name[0] != null) {
              events.add(new Event(name[0], HttpTestClient.JSON.readTree(data.toString())));
              name[0] = null;
              data.setLength(0);
            }
          });
    } catch (RuntimeException e) {
      // The connection closed under the reader: the stream has ended.
    } finally {
      events.add(END);
    }
  }

  /** The next event (with a generous deadline); null at the end of the stream. */
  Event next() throws InterruptedException {
    Event event = events.poll(3, TimeUnit.MINUTES);
    assertThat(event).as("an event within 3 minutes").isNotNull();
    return event == END ? null : event;
  }

  /** Every event up to the end of the stream. */
  List<Event> rest() throws InterruptedException {
    List<Event> all = new ArrayList<>();
    for (Event event = next(); event != null; event = next()) {
      all.add(event);
    }
    return all;
  }
}
