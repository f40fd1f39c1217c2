package org.modelserver.runtime.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One case of a {@code model-repo/<model>/reference.json} as JSON (request and PyTorch's response),
 * for tests that send it over a protocol; {@link ReferenceCase} has the same cases as tensors.
 *
 * @param testCase the case's JSON: {@code version}, {@code request}, {@code response}
 */
public record ReferenceJson(String model, String version, String id, JsonNode testCase) {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Override
  public String toString() {
    return model + " v" + version + " " + id;
  }

  /** Every case of every model of the example repository that has a reference file, by model. */
  public static List<ReferenceJson> all() {
    List<ReferenceJson> cases = new ArrayList<>();
    try (Stream<Path> models = Files.list(TestRepos.modelRepo())) {
      for (Path model : models.sorted().toList()) {
        Path reference = model.resolve("reference.json");
        if (!Files.isRegularFile(reference)) {
          continue;
        }
        for (JsonNode testCase : JSON.readTree(reference.toFile()).get("cases")) {
          cases.add(
              new ReferenceJson(
                  model.getFileName().toString(),
                  testCase.get("version").stringValue(),
                  testCase.get("request").get("id").stringValue(),
                  testCase));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return cases;
  }
}
