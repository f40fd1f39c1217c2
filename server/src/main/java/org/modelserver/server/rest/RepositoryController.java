package org.modelserver.server.rest;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.json.StrictFields;
import org.modelserver.runtime.json.StrictJson;
import org.modelserver.runtime.registry.IndexEntry;
import org.modelserver.runtime.registry.LoadParameters;
import org.modelserver.runtime.registry.ModelManager;
import org.modelserver.runtime.repository.FileTrees;
import org.modelserver.server.config.ServerOptions;
import org.modelserver.server.security.ModelUrls;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Triton's model repository extension ({@code /v2/repository/...}: index, load, unload) and model
 * archive upload. Guarded by the management access rules (admin token, or loopback only).
 */
@RestController
class RepositoryController {
  private static final StrictFields FIELDS = StrictFields.fields(ServingException::invalidArgument);

  private final ModelManager manager;
  private final ModelUrls urls;
  private final RequestBodies bodies;
  private final long maxUploadBytes;
  // Duplicate keys are refused, as by every parser of the server.
  private final JsonMapper json = StrictJson.json();

  RepositoryController(
      ModelManager manager, RequestBodies bodies, ServerOptions options, ModelUrls urls) {
    this.manager = manager;
    this.urls = urls;
    this.bodies = bodies;
    this.maxUploadBytes = options.maxUploadSize().toBytes();
  }

  /** The body is optional JSON ({@code {"ready": true}}), whatever the declared content type. */
  @PostMapping("/v2/repository/index")
  List<Map<String, Object>> index(HttpServletRequest http) {
    JsonNode root = optionalObject(http, "repository index", "{\"ready\": true}");
    boolean readyOnly = false;
    if (root != null) {
      onlyFields(root, "repository index", "ready");
      JsonNode ready = root.get("ready");
      if (ready != null && !ready.isBoolean()) {
        throw ServingException.invalidArgument("'ready' must be true or false, got " + ready);
      }
      readyOnly = ready != null && ready.booleanValue();
    }
    return rows(manager.index(readyOnly));
  }

  /**
   * Loads or reloads a model. Optional body {@code {"parameters": {"config": "<JSON>",
   * "file:<version>/<name>": "<base64>"}}}; answers the model's index rows.
   */
  @PostMapping("/v2/repository/models/{model}/load")
  List<Map<String, Object>> load(@PathVariable String model, HttpServletRequest http) {
    JsonNode root = optionalObject(http, "load", "{\"parameters\": {\"config\": \"{...}\"}}");
    LoadParameters parameters = LoadParameters.none();
    if (root != null) {
      onlyFields(root, "load", "parameters");
      JsonNode node = root.get("parameters");
      if (node != null) {
        if (!node.isObject()) {
          throw ServingException.invalidArgument("'parameters' must be a JSON object");
        }
        Map<String, JsonNode> values = new LinkedHashMap<>();
        node.propertyNames().forEach(key -> values.put(key, node.get(key)));
        parameters = LoadParameters.of(values, JSON_PARAMETERS);
      }
    }
    return rows(manager.load(model, parameters.config(), parameters.files()));
  }

  /**
   * Unloads a model; with {@code unload_dependents: true} the loaded ensembles that use it are
   * unloaded too (Triton's meaning).
   */
  @PostMapping("/v2/repository/models/{model}/unload")
  Map<String, Object> unload(@PathVariable String model, HttpServletRequest http) {
    JsonNode root =
        optionalObject(http, "unload", "{\"parameters\": {\"unload_dependents\": false}}");
    boolean unloadDependents = false;
    if (root != null) {
      onlyFields(root, "unload", "parameters");
      JsonNode parameters = root.get("parameters");
      if (parameters != null) {
        if (!parameters.isObject()) {
          throw ServingException.invalidArgument("'parameters' must be a JSON object");
        }
        onlyFields(parameters, "unload parameters", "unload_dependents");
        JsonNode dependents = parameters.get("unload_dependents");
        if (dependents != null && !dependents.isBoolean()) {
          throw ServingException.invalidArgument(
              "'unload_dependents' must be true or false, got " + dependents);
        }
        unloadDependents = dependents != null && dependents.booleanValue();
      }
    }
    manager.unload(model, unloadDependents);
    return Map.of();
  }

  /**
   * Adds a model or new versions from a {@code .zip} or {@code .tar.gz} archive in the body, then
   * loads the model; answers its index rows.
   */
  @PostMapping("/v2/repository/models/{model}/upload")
  List<Map<String, Object>> upload(@PathVariable String model, HttpServletRequest http) {
    // Read from the query string only: getParameter would parse a body sent as a form
    // (curl --data-binary's default content type) and consume the archive.
    String url = queryParameter(http.getQueryString(), "url");
    if (url != null) {
      return fetchAndUpload(model, url, http);
    }
    long declared = http.getContentLengthLong();
    if (declared > maxUploadBytes) {
      // The contract for uploads: an archive over the size limit is a 400.
      throw ServingException.invalidArgument(
          "model archive of "
              + declared
              + " bytes exceeds the limit of "
              + maxUploadBytes
              + " bytes (option max-upload-size)");
    }
    InputStream body;
    try {
      body = new BoundedInputStream(http.getInputStream(), maxUploadBytes, "max-upload-size");
    } catch (IOException e) {
      throw ServingException.invalidArgument("the request body could not be read: " + e);
    }
    return rows(manager.upload(model, body));
  }

  /** Downloads the archive from an allowlisted URL (the body must be empty), then uploads it. */
  private List<Map<String, Object>> fetchAndUpload(
      String model, String url, HttpServletRequest http) {
    // One byte tells whether a body came; there is no need to read (or buffer) the rest.
    boolean hasBody;
    try {
      hasBody = http.getInputStream().read() != -1;
    } catch (IOException e) {
      throw ServingException.invalidArgument("the request body could not be read: " + e);
    }
    if (hasBody) {
      throw ServingException.invalidArgument(
          "send the archive either in the body or as ?url=, not both");
    }
    urls.check(url);
    Path dir;
    try {
      dir = Files.createTempDirectory("model-fetch");
    } catch (IOException e) {
      throw ServingException.internal("cannot create a download folder", e);
    }
    try {
      Path archive = urls.fetch(url, maxUploadBytes, dir);
      try (InputStream in = Files.newInputStream(archive)) {
        return rows(manager.upload(model, in));
      }
    } catch (IOException e) {
      throw ServingException.internal("cannot read the downloaded archive", e);
    } finally {
      try {
        FileTrees.deleteRecursively(dir);
      } catch (IOException e) {
        // A leftover in the temp folder is harmless; the OS cleans it.
      }
    }
  }

  /** A query-string parameter, decoded as UTF-8; null when absent. */
  private static String queryParameter(String query, String name) {
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      int equals = pair.indexOf('=');
      String key = equals < 0 ? pair : pair.substring(0, equals);
      if (key.equals(name)) {
        try {
          return java.net.URLDecoder.decode(
              equals < 0 ? "" : pair.substring(equals + 1),
              java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          throw ServingException.invalidArgument(
              "query parameter '" + name + "' is not valid %-encoded UTF-8: " + e.getMessage());
        }
      }
    }
    return null;
  }

  /** Load parameters in JSON: {@code config} as a string, files as base64 strings. */
  private static final LoadParameters.Decoder<JsonNode> JSON_PARAMETERS =
      new LoadParameters.Decoder<>() {
        @Override
        public String text(String key, JsonNode value) {
          if (!value.isString()) {
            throw ServingException.invalidArgument(
                "parameter 'config' must be a string holding the model config as JSON");
          }
          return value.stringValue();
        }

        @Override
        public byte[] bytes(String key, JsonNode value) {
          if (!value.isString()) {
            throw ServingException.invalidArgument(
                "parameter '" + key + "' must be a string holding the file's bytes in base64");
          }
          try {
            return Base64.getDecoder().decode(value.stringValue());
          } catch (IllegalArgumentException e) {
            throw ServingException.invalidArgument(
                "parameter '" + key + "' is not valid base64: " + e.getMessage());
          }
        }
      };

  /** The body as a JSON object, or null when it is empty. */
  private JsonNode optionalObject(HttpServletRequest http, String what, String example) {
    byte[] body = bodies.read(http);
    if (body.length == 0) {
      return null;
    }
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (JacksonException e) {
      throw ServingException.invalidArgument("malformed JSON: " + e.getOriginalMessage());
    }
    if (root == null || root.isMissingNode()) {
      return null;
    }
    if (!root.isObject()) {
      throw ServingException.invalidArgument(
          "the " + what + " request must be a JSON object such as " + example);
    }
    return root;
  }

  private static void onlyFields(JsonNode object, String what, String... allowed) {
    FIELDS.checkIn(object, what + " request", List.of(allowed));
  }

  private static List<Map<String, Object>> rows(List<IndexEntry> entries) {
    return entries.stream().map(RepositoryController::row).toList();
  }

  private static Map<String, Object> row(IndexEntry entry) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("name", entry.name());
    if (!entry.version().isEmpty()) {
      row.put("version", entry.version());
    }
    row.put("state", entry.state().name());
    row.put("reason", entry.reason());
    return row;
  }
}
