package org.modelserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The management API over REST on a real server: load, unload, pin, upload, control modes. */
class ModelManagementApiTest {
  @TempDir Path repo;

  private ConfigurableApplicationContext context;
  private HttpTestClient http;

  @AfterEach
  void stop() {
    if (context != null) {
      context.close();
    }
  }

  private void start(String mode, String... extra) {
    String[] args = new String[extra.length + 2];
    args[0] = "--model-repository=" + repo;
    args[1] = "--model-control-mode=" + mode;
    System.arraycopy(extra, 0, args, 2, extra.length);
    context = TestRepos.start(args);
    http = TestRepos.client(context);
  }

  private static byte[] classifierBytes(int version) {
    try {
      return Files.readAllBytes(
          TestRepos.exampleRepo().resolve("classifier/" + version + "/model.onnx"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final String CONFIG =
      """
      platform: onnxruntime_onnx
      max_batch_size: 8
      input:
        - {name: features, data_type: TYPE_FP32, dims: [4]}
      output:
        - {name: probabilities, data_type: TYPE_FP32, dims: [3]}
      """;

  private JsonNode infer(String model, int expectedStatus) {
    HttpTestClient.Reply reply =
        http.post(
            "/v2/models/" + model + "/infer",
            "{\"inputs\":[{\"name\":\"features\",\"shape\":[1,4],\"datatype\":\"FP32\","
                + "\"data\":[1,2,3,4]}]}");
    assertThat(reply.status()).as(reply.body()).isEqualTo(expectedStatus);
    return reply.json();
  }

  private HttpTestClient.Reply upload(String model, byte[] archive) {
    return upload(model, archive, "application/octet-stream");
  }

  private HttpTestClient.Reply upload(String model, byte[] archive, String contentType) {
    return http.send(
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:"
                        + TestRepos.managementPort(context)
                        + "/v2/repository/models/"
                        + model
                        + "/upload"))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(archive)));
  }

  private static byte[] zip(Map<String, byte[]> entries) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(entry.getKey()));
        zip.write(entry.getValue());
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static byte[] tarGz(Map<String, byte[]> entries, String symlink) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        TarArchiveEntry header = new TarArchiveEntry(entry.getKey());
        header.setSize(entry.getValue().length);
        tar.putArchiveEntry(header);
        tar.write(entry.getValue());
        tar.closeArchiveEntry();
      }
      if (symlink != null) {
        TarArchiveEntry link = new TarArchiveEntry(symlink, TarArchiveEntry.LF_SYMLINK);
        link.setLinkName("/etc/passwd");
        tar.putArchiveEntry(link);
        tar.closeArchiveEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private List<String> repositoryListing() {
    try (Stream<Path> files = Files.walk(repo)) {
      // The (hidden) staging folder may exist, but must be empty.
      return files
          .map(path -> repo.relativize(path).toString())
          .filter(path -> !path.equals(".staging"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void uploadAddsAModelAndThenANewVersionThatBecomesTheDefault() {
    start("explicit");
    Map<String, byte[]> first = new LinkedHashMap<>();
    first.put("uploaded/config.yaml", CONFIG.getBytes());
    first.put("uploaded/1/model.onnx", classifierBytes(1));
    HttpTestClient.Reply reply = upload("uploaded", tarGz(first, null));
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    assertThat(reply.json().get(0).get("state").stringValue()).isEqualTo("READY");
    assertThat(infer("uploaded", 200).get("model_version").stringValue()).isEqualTo("1");

    // curl --data-binary sends application/x-www-form-urlencoded unless told otherwise.
    reply =
        upload(
            "uploaded",
            zip(Map.of("2/model.onnx", classifierBytes(2))),
            "application/x-www-form-urlencoded");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    assertThat(infer("uploaded", 200).get("model_version").stringValue()).isEqualTo("2");

    // The same version again is a conflict, and nothing changes.
    reply = upload("uploaded", zip(Map.of("2/model.onnx", classifierBytes(1))));
    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.error()).contains("version 2");
  }

  @Test
  void hostileArchivesAreRefusedAndLeaveTheRepositoryUntouched() {
    start("explicit");
    List<String> before = repositoryListing();
    Map<String, byte[]> archives = new LinkedHashMap<>();
    archives.put("zip slip", zip(Map.of("../escaped/1/model.onnx", classifierBytes(1))));
    archives.put("absolute", zip(Map.of("/tmp/abs/1/model.onnx", classifierBytes(1))));
    archives.put("symlink", tarGz(Map.of("1/model.onnx", classifierBytes(1)), "1/link"));
    archives.put("nothing loadable", zip(Map.of("config.yaml", CONFIG.getBytes())));
    archives.put("not an archive", "just text".getBytes());
    for (Map.Entry<String, byte[]> archive : archives.entrySet()) {
      HttpTestClient.Reply reply = upload("hostile", archive.getValue());
      assertThat(reply.status()).as(archive.getKey() + ": " + reply.body()).isEqualTo(400);
      assertThat(reply.error()).as(archive.getKey()).isNotBlank();
    }
    assertThat(repositoryListing()).isEqualTo(before);
  }

  @Test
  void anArchiveOverTheSizeLimitIs400() {
    start("explicit", "--max-upload-size=1KB");
    HttpTestClient.Reply reply = upload("big", zip(Map.of("1/model.onnx", classifierBytes(1))));
    assertThat(reply.status()).as(reply.body()).isEqualTo(400);
    assertThat(reply.error()).contains("max-upload-size");
    assertThat(repositoryListing()).isEqualTo(List.of(""));
  }

  @Test
  void anUploadedVersionThatDoesNotLoadIsTakenBackOutAndTheOldOneServes() {
    TestRepos.copyModel("classifier", repo);
    start("explicit", "--load-model=classifier");
    List<String> before = repositoryListing();
    HttpTestClient.Reply reply =
        upload("classifier", zip(Map.of("3/model.onnx", new byte[] {1, 2, 3, 4})));
    assertThat(reply.status()).as(reply.body()).isEqualTo(400);
    assertThat(reply.error()).contains("version 3");
    assertThat(repositoryListing()).isEqualTo(before);
    assertThat(infer("classifier", 200).get("model_version").stringValue()).isEqualTo("2");
  }

  @Test
  void loadWithAConfigOverrideAndFilesThenUnloadAndLoadAgain() {
    start("explicit");
    ObjectNode parameters = HttpTestClient.JSON.createObjectNode();
    parameters.put(
        "config",
        "{\"platform\":\"onnxruntime_onnx\",\"max_batch_size\":2,"
            + "\"input\":[{\"name\":\"features\",\"data_type\":\"TYPE_FP32\",\"dims\":[4]}],"
            + "\"output\":[{\"name\":\"probabilities\",\"data_type\":\"TYPE_FP32\",\"dims\":[3]}]}");
    parameters.put("file:1/model.onnx", Base64.getEncoder().encodeToString(classifierBytes(1)));
    ObjectNode body = HttpTestClient.JSON.createObjectNode();
    body.set("parameters", parameters);
    HttpTestClient.Reply reply = http.post("/v2/repository/models/fresh/load", body);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    assertThat(http.get("/v2/models/fresh/config").json().get("max_batch_size").intValue())
        .isEqualTo(2);
    infer("fresh", 200);

    reply =
        http.post(
            "/v2/repository/models/fresh/unload", "{\"parameters\":{\"unload_dependents\":true}}");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    JsonNode refused = infer("fresh", 503);
    assertThat(refused.get("error").stringValue()).contains("unloaded");
    JsonNode index = http.post("/v2/repository/index", "{}").json();
    assertThat(index.toString()).contains("\"name\":\"fresh\"").contains("unloaded");

    reply = http.post("/v2/repository/models/fresh/load", "");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    assertThat(http.get("/v2/models/fresh/config").json().get("max_batch_size").intValue())
        .as("without the override the folder's (auto-completed) config applies")
        .isNotEqualTo(2);
    infer("fresh", 200);
  }

  @Test
  void loadRequestsAreValidated() {
    start("explicit");
    assertThat(http.post("/v2/repository/models/nothere/load", "").status()).isEqualTo(404);
    assertThat(http.post("/v2/repository/models/x/load", "{\"parameters\":{\"bogus\":1}}").error())
        .contains("bogus");
    assertThat(
            http.post("/v2/repository/models/x/load", "{\"parameters\":{\"file:1/m.onnx\":\"%%\"}}")
                .status())
        .isEqualTo(400);
    assertThat(
            http.post(
                    "/v2/repository/models/x/load",
                    "{\"parameters\":{\"file:../../etc/1/model.onnx\":\"AAAA\"}}")
                .status())
        .isEqualTo(400);
    assertThat(http.post("/v2/repository/models/..%2F..%2Fetc/load", "").status())
        .isBetween(400, 404);
    assertThat(http.post("/v2/repository/models/x/unload", "").status()).isEqualTo(404);
  }

  @Test
  void noneModeRefusesLoadUnloadAndUploadWith409() {
    TestRepos.copyModel("classifier", repo);
    start("none");
    HttpTestClient.Reply reply = http.post("/v2/repository/models/classifier/load", "");
    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.error()).contains("--model-control-mode=explicit");
    assertThat(http.post("/v2/repository/models/classifier/unload", "").status()).isEqualTo(409);
    assertThat(upload("classifier", zip(Map.of("3/model.onnx", classifierBytes(1)))).status())
        .isEqualTo(409);
    infer("classifier", 200);
  }

  @Test
  void pinRollsBackAndUnpinReturnsToTheNewest() {
    TestRepos.copyModel("classifier", repo);
    start("none");
    assertThat(infer("classifier", 200).get("model_version").stringValue()).isEqualTo("2");
    HttpTestClient.Reply pinned =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + TestRepos.managementPort(context)
                            + "/v2/models/classifier/versions/1/default"))
                .PUT(HttpRequest.BodyPublishers.noBody()));
    assertThat(pinned.status()).as(pinned.body()).isEqualTo(200);
    assertThat(pinned.json().get("pinned").booleanValue()).isTrue();
    assertThat(pinned.json().get("version").stringValue()).isEqualTo("1");
    assertThat(infer("classifier", 200).get("model_version").stringValue()).isEqualTo("1");
    assertThat(http.get("/v2/models/classifier").json().get("versions").toString())
        .contains("\"1\"", "\"2\"");

    HttpTestClient.Reply unpinned =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + TestRepos.managementPort(context)
                            + "/v2/models/classifier/default"))
                .DELETE());
    assertThat(unpinned.status()).isEqualTo(200);
    assertThat(unpinned.json().get("pinned").booleanValue()).isFalse();
    assertThat(infer("classifier", 200).get("model_version").stringValue()).isEqualTo("2");

    HttpTestClient.Reply missing =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + TestRepos.managementPort(context)
                            + "/v2/models/classifier/versions/9/default"))
                .PUT(HttpRequest.BodyPublishers.noBody()));
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.error()).contains("version folders are [1, 2]");
  }

  @Test
  void uploadFromAUrlNeedsTheAllowlist() throws IOException {
    byte[] archive =
        zip(Map.of("1/model.onnx", classifierBytes(1), "config.yaml", CONFIG.getBytes()));
    com.sun.net.httpserver.HttpServer files =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    files.createContext(
        "/releases/m.zip",
        exchange -> {
          exchange.sendResponseHeaders(200, archive.length);
          exchange.getResponseBody().write(archive);
          exchange.close();
        });
    files.start();
    String base = "http://127.0.0.1:" + files.getAddress().getPort() + "/releases/";
    try {
      start("explicit");
      HttpTestClient.Reply refused =
          http.post("/v2/repository/models/fetched/upload?url=" + base + "m.zip", "");
      assertThat(refused.status()).isEqualTo(400);
      assertThat(refused.error()).contains("allowlist");
      context.close();

      start("explicit", "--model-url-allowlist=" + base);
      HttpTestClient.Reply outside =
          http.post(
              "/v2/repository/models/fetched/upload?url=http://127.0.0.1:"
                  + files.getAddress().getPort()
                  + "/other/m.zip",
              "");
      assertThat(outside.status()).isEqualTo(400);
      HttpTestClient.Reply fetched =
          http.post("/v2/repository/models/fetched/upload?url=" + base + "m.zip", "");
      assertThat(fetched.status()).as(fetched.body()).isEqualTo(200);
      assertThat(infer("fetched", 200).get("model_version").stringValue()).isEqualTo("1");
    } finally {
      files.stop(0);
    }
  }

  @Test
  void explicitModeLoadsTheRepeatedLoadModelNamesOnly() {
    TestRepos.copyModel("classifier", repo);
    TestRepos.copyModel("mixed_io", repo);
    TestRepos.copyModel("token_embed", repo);
    start("explicit", "--load-model=classifier", "--load-model=mixed_io");
    JsonNode index = http.post("/v2/repository/index", "").json();
    assertThat(index.toString())
        .contains("{\"name\":\"token_embed\",\"state\":\"UNAVAILABLE\",\"reason\":\"not loaded\"}");
    assertThat(http.get("/v2/models/mixed_io/ready").status()).isEqualTo(200);
    assertThat(http.get("/v2/models/classifier/ready").status()).isEqualTo(200);
    assertThat(http.get("/v2/health/ready").status()).isEqualTo(200);
  }
}
