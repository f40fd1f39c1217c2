package org.modelserver.server;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: it fails with the line
 * number on anything a Prometheus server would refuse or misread.
 *
 * <p>Checked: every line is a {@code # HELP}, {@code # TYPE}, other comment or sample line; names
 * and label names are valid; label values use only the escapes {@code \\ \" \n}; no label name is
 * repeated; values are Go floats; {@code HELP} and {@code TYPE} appear at most once per family and
 * before its samples; a family's samples are contiguous; no series appears twice; the text ends
 * with a line feed.
 */
public final class PrometheusText {
  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Pattern VALUE =
      Pattern.compile("[+-]?(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?|Inf)|NaN");
  private static final Pattern TIMESTAMP = Pattern.compile("-?[0-9]+");
  private static final Set<String> TYPES =
      Set.of("counter", "gauge", "histogram", "summary", "untyped");

  /** One sample line. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  private final Map<String, String> help = new LinkedHashMap<>();
  private final Map<String, String> types = new LinkedHashMap<>();
  private final List<Sample> samples = new ArrayList<>();

  private PrometheusText() {}

  /** Parses and checks {@code text}; throws {@link AssertionError} naming the offending line. */
  public static PrometheusText parse(String text) {
    PrometheusText parsed = new PrometheusText();
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new AssertionError("the exposition does not end with a line feed");
    }
    String[] lines = text.split("\n", -1);
    Set<String> seenFamilies = new HashSet<>();
    Set<String> series = new HashSet<>();
    String currentFamily = null;
    for (int i = 0; i < lines.length - 1; i++) {
      String line = lines[i];
      String where = "line " + (i + 1) + " '" + line + "': ";
      if (line.isEmpty()) {
        throw new AssertionError(where + "empty line");
      }
      if (line.startsWith("#")) {
        String[] parts = line.split(" ", 4);
        if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
          String name = parts[2];
          if (!METRIC_NAME.matcher(name).matches()) {
            throw new AssertionError(where + "invalid metric name");
          }
          if (seenFamilies.contains(name)) {
            throw new AssertionError(where + parts[1] + " after samples of its family");
          }
          String rest = parts.length == 4 ? parts[3] : "";
          if (parts[1].equals("HELP")) {
            checkHelpEscapes(rest, where);
            if (parsed.help.put(name, rest) != null) {
              throw new AssertionError(where + "second HELP for " + name);
            }
          } else {
            if (!TYPES.contains(rest)) {
              throw new AssertionError(where + "unknown type '" + rest + "'");
            }
            if (parsed.types.put(name, rest) != null) {
              throw new AssertionError(where + "second TYPE for " + name);
            }
          }
        }
        continue;
      }
      Sample sample = parseSample(line, where);
      String family = parsed.familyOf(sample.name());
      if (!family.equals(currentFamily)) {
        if (seenFamilies.contains(family)) {
          throw new AssertionError(where + "samples of " + family + " are not grouped together");
        }
        seenFamilies.add(family);
        currentFamily = family;
      }
      if (!series.add(sample.name() + sample.labels())) {
        throw new AssertionError(where + "duplicate series");
      }
      parsed.samples.add(sample);
    }
    return parsed;
  }

  private String familyOf(String sampleName) {
    if (types.containsKey(sampleName) || help.containsKey(sampleName)) {
      return sampleName;
    }
    for (String suffix : List.of("_bucket", "_count", "_sum")) {
      if (sampleName.endsWith(suffix)) {
        String base = sampleName.substring(0, sampleName.length() - suffix.length());
        String type = types.get(base);
        if ("histogram".equals(type) || "summary".equals(type)) {
          return base;
        }
      }
    }
    return sampleName;
  }

  private static void checkHelpEscapes(String help, String where) {
    for (int i = 0; i < help.length(); i++) {
      if (help.charAt(i) == '\\') {
        if (i + 1 >= help.length() || "\\n".indexOf(help.charAt(i + 1)) < 0) {
          throw new AssertionError(where + "invalid escape in HELP");
        }
        i++;
      }
    }
  }

  private static Sample parseSample(String line, String where) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    if (!METRIC_NAME.matcher(name).matches()) {
      throw new AssertionError(where + "invalid metric name '" + name + "'");
    }
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (true) {
        if (i >= line.length()) {
          throw new AssertionError(where + "unterminated label set");
        }
        if (line.charAt(i) == '}') {
          i++;
          break;
        }
        int eq = line.indexOf('=', i);
        if (eq < 0) {
          throw new AssertionError(where + "label without '='");
        }
        String label = line.substring(i, eq);
        if (!LABEL_NAME.matcher(label).matches()) {
          throw new AssertionError(where + "invalid label name '" + label + "'");
        }
        i = eq + 1;
        if (i >= line.length() || line.charAt(i) != '"') {
          throw new AssertionError(where + "label value not quoted");
        }
        i++;
        StringBuilder value = new StringBuilder();
        while (true) {
          if (i >= line.length()) {
            throw new AssertionError(where + "unterminated label value");
          }
          char c = line.charAt(i++);
          if (c == '"') {
            break;
          }
          if (c == '\\') {
            if (i >= line.length()) {
              throw new AssertionError(where + "dangling escape");
            }
            char escaped = line.charAt(i++);
            switch (escaped) {
              case '\\' -> value.append('\\');
              case '"' -> value.append('"');
              case 'n' -> value.append('\n');
              default -> throw new AssertionError(where + "invalid escape \\" + escaped);
            }
          } else {
            value.append(c);
          }
        }
        if (labels.put(label, value.toString()) != null) {
          throw new AssertionError(where + "repeated label " + label);
        }
        if (i < line.length() && line.charAt(i) == ',') {
          i++;
        } else if (i >= line.length() || line.charAt(i) != '}') {
          throw new AssertionError(where + "expected ',' or '}' after a label");
        }
      }
    }
    if (i >= line.length() || line.charAt(i) != ' ') {
      throw new AssertionError(where + "expected one space before the value");
    }
    String[] rest = line.substring(i + 1).split(" ", -1);
    if (rest.length > 2 || !VALUE.matcher(rest[0]).matches()) {
      throw new AssertionError(where + "invalid value");
    }
    if (rest.length == 2 && !TIMESTAMP.matcher(rest[1]).matches()) {
      throw new AssertionError(where + "invalid timestamp");
    }
    return new Sample(name, labels, parseValue(rest[0]));
  }

  private static double parseValue(String value) {
    return switch (value) {
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(value);
    };
  }

  public Map<String, String> help() {
    return help;
  }

  public Map<String, String> types() {
    return types;
  }

  public List<Sample> samples() {
    return samples;
  }

  public List<Sample> samples(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }

  /** The sample with exactly these labels. */
  public Optional<Sample> find(String name, Map<String, String> labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && s.labels().equals(labels))
        .findFirst();
  }

  /** The value of the sample with exactly these labels; fails when there is none. */
  public double value(String name, Map<String, String> labels) {
    return find(name, labels)
        .orElseThrow(() -> new AssertionError("no sample " + name + labels))
        .value();
  }
}
