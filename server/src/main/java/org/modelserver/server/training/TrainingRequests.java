package org.modelserver.server.training;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.json.StrictJson;
import org.modelserver.runtime.train.job.JobPlanner;
import org.modelserver.server.rest.RequestBodies;
import org.springframework.stereotype.Component;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.multipart.MultipartHttpServletRequest;
import org.springframework.web.util.WebUtils;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a fine-tuning request: a JSON body of settings (with the dataset inline or as a path), or a
 * multipart body with a {@code dataset} file part and an optional {@code settings} JSON part. Both
 * are held to {@code max-request-size} (413 beyond it).
 */
@Component
class TrainingRequests {
  private static final Set<String> PARTS = Set.of("dataset", "settings");
  private static final String EXAMPLE =
      "{\"dataset\": {\"format\": \"jsonl\", \"data\": \"...\"}, \"epochs\": 10}";

  private final RequestBodies bodies;
  private final JsonMapper json = StrictJson.json();

  TrainingRequests(RequestBodies bodies) {
    this.bodies = bodies;
  }

  /** A request's settings, and the dataset when it came as a file. */
  record FineTuneBody(JsonNode settings, Optional<JobPlanner.Upload> upload) {}

  FineTuneBody read(HttpServletRequest request) {
    MultipartHttpServletRequest multipart =
        WebUtils.getNativeRequest(request, MultipartHttpServletRequest.class);
    if (multipart != null) {
      return readMultipart(multipart);
    }
    String contentType = String.valueOf(request.getContentType());
    if (contentType.startsWith("multipart/")) {
      throw ServingException.invalidArgument(
          "a multipart fine-tuning request must be multipart/form-data, got " + contentType);
    }
    byte[] body = bodies.read(request);
    if (body.length == 0) {
      throw ServingException.invalidArgument(
          "the request has no body; send the job's settings as JSON, for example " + EXAMPLE);
    }
    return new FineTuneBody(parse(body, "the request body"), Optional.empty());
  }

  private FineTuneBody readMultipart(MultipartHttpServletRequest request) {
    for (String name : request.getFileMap().keySet()) {
      if (!PARTS.contains(name)) {
        throw ServingException.invalidArgument(
            "unknown part '" + name + "'; a fine-tuning upload has the parts dataset and settings");
      }
    }
    Optional<JobPlanner.Upload> dataset = Optional.empty();
    MultipartFile file = request.getFile("dataset");
    if (file != null) {
      dataset =
          Optional.of(
              new JobPlanner.Upload(
                  Optional.ofNullable(file.getOriginalFilename()).filter(n -> !n.isBlank()),
                  bytes(file)));
    } else if (request.getParameter("dataset") != null) {
      dataset =
          Optional.of(
              new JobPlanner.Upload(
                  Optional.empty(),
                  request.getParameter("dataset").getBytes(StandardCharsets.UTF_8)));
    }
    if (dataset.isEmpty()) {
      throw ServingException.invalidArgument(
          "a multipart fine-tuning request needs a 'dataset' part holding the data file");
    }
    MultipartFile settingsFile = request.getFile("settings");
    String settingsField = request.getParameter("settings");
    JsonNode settings =
        settingsFile != null
            ? parse(bytes(settingsFile), "the 'settings' part")
            : settingsField != null
                ? parse(settingsField.getBytes(StandardCharsets.UTF_8), "the 'settings' part")
                : json.createObjectNode();
    return new FineTuneBody(settings, dataset);
  }

  private static byte[] bytes(MultipartFile file) {
    try {
      return file.getBytes();
    } catch (IOException e) {
      throw ServingException.invalidArgument(
          "the part '" + file.getName() + "' could not be read: " + e.getMessage());
    }
  }

  private JsonNode parse(byte[] bytes, String what) {
    return StrictJson.settingsObject(bytes, what, EXAMPLE);
  }
}
