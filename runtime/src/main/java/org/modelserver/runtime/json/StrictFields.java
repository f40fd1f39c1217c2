package org.modelserver.runtime.json;

import java.util.Collection;
import java.util.Optional;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * The one strict-JSON rule every parser of the server applies: a name the parser does not read is
 * an error, never silently ignored. Every such error has one format,
 *
 * <pre>unknown {key|field} '{path}'[ in {context}]; expected one of {the names, sorted}</pre>
 *
 * where the path names the bad field from its document's root ({@code input[0].format}, {@code
 * optimizer.beta}), or from a context given in words ({@code colour} in {@code input 'features'}).
 * Files (model configs, dataset lines) speak of keys, request bodies of fields.
 */
public final class StrictFields {
  private final String noun;
  private final Function<String, ? extends RuntimeException> error;

  private StrictFields(String noun, Function<String, ? extends RuntimeException> error) {
    this.noun = noun;
    this.error = error;
  }

  /** For files such as {@code config.yaml} and dataset lines, whose names are keys. */
  public static StrictFields keys(Function<String, ? extends RuntimeException> error) {
    return new StrictFields("key", error);
  }

  /** For request bodies, whose names are fields. */
  public static StrictFields fields(Function<String, ? extends RuntimeException> error) {
    return new StrictFields("field", error);
  }

  /**
   * Fails on the first name of {@code object} that is not in {@code allowed}; nothing to check when
   * {@code object} is absent or JSON null.
   *
   * @param path the object's path from the document root, empty at the root
   */
  public void check(JsonNode object, String path, Collection<String> allowed) {
    firstUnknown(object, allowed)
        .ifPresent(
            name -> {
              throw unknown(path.isEmpty() ? name : path + "." + name, "", allowed);
            });
  }

  /** Like {@link #check}, for an object named in words ({@code input 'features'}) in messages. */
  public void checkIn(JsonNode object, String context, Collection<String> allowed) {
    firstUnknown(object, allowed)
        .ifPresent(
            name -> {
              throw unknown(name, context, allowed);
            });
  }

  private static Optional<String> firstUnknown(JsonNode object, Collection<String> allowed) {
    if (object == null || object.isNull()) {
      return Optional.empty();
    }
    return object.propertyNames().stream().filter(name -> !allowed.contains(name)).findFirst();
  }

  /**
   * The error for an unknown name, for parsers that meet names one at a time.
   *
   * @param path the bad name's path (from the root, or from {@code context})
   * @param context the object in words, or empty when {@code path} starts at the root
   */
  public RuntimeException unknown(String path, String context, Collection<String> allowed) {
    return error.apply(
        "unknown "
            + noun
            + " '"
            + path
            + "'"
            + (context.isEmpty() ? "" : " in " + context)
            + "; expected "
            + (allowed.isEmpty()
                ? "none"
                : "one of " + String.join(", ", allowed.stream().sorted().toList())));
  }
}
