package org.modelserver.runtime.train.data;

import static org.modelserver.runtime.train.data.JsonlDataset.problem;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.train.spec.LossFunction;
import org.modelserver.runtime.train.spec.SampleLayout;

/**
 * Reads CSV: a header row, then one sample per row (blank lines skipped). A column is named after a
 * model input, {@code <input>} when it has one element or {@code <input>.<i>} for element i
 * (row-major) of a larger one, and likewise {@code target} or {@code target.<i>}. Values are plain
 * numbers, so fields are neither quoted nor escaped.
 */
final class CsvDataset {
  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
  private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");

  /** Where a column's values go: an input (or -1 for the target) and an element of it. */
  private record Slot(int input, int element, String column) {}

  private CsvDataset() {}

  static void read(List<String> lines, SampleBuffer out) {
    int header = 0;
    while (header < lines.size() && lines.get(header).isBlank()) {
      header++;
    }
    if (header == lines.size()) {
      return;
    }
    Slot[] slots = columns(lines.get(header), header + 1, out.layout());
    SampleLayout layout = out.layout();
    for (int index = header + 1; index < lines.size(); index++) {
      String line = lines.get(index);
      if (line.isBlank()) {
        continue;
      }
      int number = index + 1;
      String[] fields = line.split(",", -1);
      if (fields.length != slots.length) {
        throw problem(
            number,
            "has " + fields.length + " fields; the header has " + slots.length + " columns");
      }
      for (int f = 0; f < fields.length; f++) {
        Slot slot = slots[f];
        String text = fields[f].trim();
        if (slot.input() < 0) {
          out.target()[slot.element()] =
              layout.loss() == LossFunction.CROSS_ENTROPY
                  ? classIndex(text, number, layout)
                  : decimal(text, number, slot.column());
        } else if (layout.inputs().get(slot.input()).dataType() == DataType.INT64) {
          out.longs(slot.input())[slot.element()] = integer(text, number, slot.column());
        } else {
          out.floats(slot.input())[slot.element()] = decimal(text, number, slot.column());
        }
      }
      out.commit(number);
    }
  }

  /** Maps each header column to its slot; every slot must have exactly one column. */
  private static Slot[] columns(String headerLine, int line, SampleLayout layout) {
    Map<String, Slot> known = new HashMap<>();
    List<String> expected = new ArrayList<>();
    List<SampleLayout.Input> inputs = layout.inputs();
    for (int i = 0; i < inputs.size(); i++) {
      addColumns(known, expected, inputs.get(i).name(), i, inputs.get(i).width());
    }
    addColumns(known, expected, SampleLayout.TARGET, -1, layout.targetWidth());
    String[] names = headerLine.split(",", -1);
    Slot[] slots = new Slot[names.length];
    Map<String, String> taken = new HashMap<>();
    for (int c = 0; c < names.length; c++) {
      String name = names[c].trim();
      Slot slot = known.get(name);
      if (slot == null) {
        throw problem(
            line,
            "unknown column '" + name + "'; expected the columns " + String.join(", ", expected));
      }
      String slotKey = slot.input() + ":" + slot.element();
      String earlier = taken.put(slotKey, name);
      if (earlier != null) {
        throw problem(line, "columns '" + earlier + "' and '" + name + "' name the same value");
      }
      slots[c] = slot;
    }
    for (Slot slot : known.values()) {
      if (!taken.containsKey(slot.input() + ":" + slot.element())) {
        throw problem(line, "missing column '" + slot.column() + "'");
      }
    }
    return slots;
  }

  private static void addColumns(
      Map<String, Slot> known, List<String> expected, String name, int input, int width) {
    if (width == 1) {
      known.put(name, new Slot(input, 0, name));
      known.put(name + ".0", new Slot(input, 0, name));
      expected.add(name);
      return;
    }
    for (int e = 0; e < width; e++) {
      known.put(name + "." + e, new Slot(input, e, name + "." + e));
    }
    expected.add(name + ".0 to " + name + "." + (width - 1));
  }

  private static float decimal(String text, int line, String column) {
    if (!DECIMAL.matcher(text).matches()) {
      throw problem(line, "column '" + column + "' is not a number: '" + text + "'");
    }
    // Through double, as JSON numbers are read, so both formats give the same floats.
    float value = (float) Double.parseDouble(text);
    if (!Float.isFinite(value)) {
      throw problem(line, "column '" + column + "' is " + text + ", not a finite FP32 number");
    }
    return value;
  }

  private static long integer(String text, int line, String column) {
    if (!INTEGER.matcher(text).matches()) {
      throw problem(line, "column '" + column + "' is '" + text + "'; its input is INT64");
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw problem(line, "column '" + column + "' is " + text + ", out of the INT64 range");
    }
  }

  private static float classIndex(String text, int line, SampleLayout layout) {
    if (!INTEGER.matcher(text).matches()) {
      throw problem(line, "'target' is '" + text + "'; loss cross_entropy needs a class index");
    }
    long index;
    try {
      index = Long.parseLong(text);
    } catch (NumberFormatException e) {
      index = text.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    String problem = layout.classProblem(index);
    if (problem != null) {
      throw problem(line, problem);
    }
    return index;
  }
}
