package org.modelserver.runtime.train.data;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.train.spec.DatasetFormat;
import org.modelserver.runtime.train.spec.SampleLayout;
import org.modelserver.runtime.train.spec.TrainingSpec;

/**
 * A parsed, validated training dataset held in memory: per sample, the values of every model input
 * (floats, or longs for INT64 inputs) and a target (floats; a class index for cross_entropy).
 * Immutable.
 */
public final class TrainingData {
  private final SampleLayout layout;
  private final DatasetFormat format;
  private final String sha256;
  private final int size;
  private final float[][] floatColumns;
  private final long[][] longColumns;
  private final float[] targets;

  private TrainingData(SampleLayout layout, DatasetFormat format, String sha256, SampleBuffer in) {
    this.layout = layout;
    this.format = format;
    this.sha256 = sha256;
    this.size = in.size();
    int inputs = layout.inputs().size();
    this.floatColumns = new float[inputs][];
    this.longColumns = new long[inputs][];
    for (int i = 0; i < inputs; i++) {
      floatColumns[i] = in.floatColumn(i);
      longColumns[i] = in.longColumn(i);
    }
    this.targets = in.targets();
  }

  /**
   * Parses a dataset for a model and a job's settings (its loss and trained output). Every problem
   * is INVALID_ARGUMENT naming the 1-based line: missing or extra keys or columns, wrong element
   * counts, values that are not finite numbers (or not integers for INT64 inputs), class indices
   * outside the output's classes, bce targets other than 0 and 1, and a dataset without samples.
   */
  public static TrainingData parse(
      DatasetFormat format, byte[] bytes, ModelConfig config, TrainingSpec spec) {
    SampleLayout layout = SampleLayout.of(config, spec.loss(), spec.output());
    List<String> lines = lines(bytes);
    SampleBuffer buffer = new SampleBuffer(layout);
    switch (format) {
      case JSONL -> JsonlDataset.read(lines, buffer);
      case CSV -> CsvDataset.read(lines, buffer);
    }
    if (buffer.size() == 0) {
      throw ServingException.invalidArgument(
          "dataset has no samples"
              + (format == DatasetFormat.CSV ? " (a header row and at least one data row)" : ""));
    }
    return new TrainingData(layout, format, sha256(bytes), buffer);
  }

  private static List<String> lines(byte[] bytes) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw ServingException.invalidArgument("dataset is not valid UTF-8 text");
    }
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    return Arrays.stream(text.split("\n", -1))
        .map(line -> line.endsWith("\r") ? line.substring(0, line.length() - 1) : line)
        .toList();
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** Number of samples. */
  public int size() {
    return size;
  }

  public DatasetFormat format() {
    return format;
  }

  /** SHA-256 of the raw dataset bytes, lowercase hex: identifies the data a model was tuned on. */
  public String sha256() {
    return sha256;
  }

  /** One sample's values of an FP32 input. */
  public float[] floats(String input, int sample) {
    int i = inputIndex(input, DataType.FP32);
    int width = layout.inputs().get(i).width();
    return Arrays.copyOfRange(floatColumns[i], sample * width, (sample + 1) * width);
  }

  /** One sample's values of an INT64 input. */
  public long[] longs(String input, int sample) {
    int i = inputIndex(input, DataType.INT64);
    int width = layout.inputs().get(i).width();
    return Arrays.copyOfRange(longColumns[i], sample * width, (sample + 1) * width);
  }

  /** One sample's target: the output's values, or a one-element class index for cross_entropy. */
  public float[] target(int sample) {
    int width = layout.targetWidth();
    return Arrays.copyOfRange(targets, sample * width, (sample + 1) * width);
  }

  private int inputIndex(String input, DataType type) {
    for (int i = 0; i < layout.inputs().size(); i++) {
      SampleLayout.Input candidate = layout.inputs().get(i);
      if (candidate.name().equals(input) && candidate.dataType() == type) {
        return i;
      }
    }
    throw new IllegalArgumentException("no " + type + " input '" + input + "'");
  }

  /**
   * Splits the samples into training and validation sets, the same way for the same seed: the
   * indices are shuffled with {@code new Random(seed)} and the last {@code validationFraction} of
   * them (at least one sample when the fraction is above 0) is held out.
   */
  public Split split(long seed, double validationFraction) {
    if (!(validationFraction >= 0 && validationFraction < 1)) {
      throw new IllegalArgumentException("validation fraction " + validationFraction);
    }
    int[] order = new int[size];
    Arrays.setAll(order, i -> i);
    if (validationFraction == 0) {
      return new Split(order, new int[0]);
    }
    shuffle(order, new Random(seed));
    int held = Math.max(1, (int) Math.floor(size * validationFraction));
    if (held >= size) {
      throw ServingException.invalidArgument(
          "validation_split "
              + validationFraction
              + " of "
              + size
              + " samples leaves none to train on; add samples or lower validation_split");
    }
    return new Split(
        Arrays.copyOfRange(order, 0, size - held), Arrays.copyOfRange(order, size - held, size));
  }

  /** Fisher-Yates, so the order depends only on the random generator's sequence. */
  public static void shuffle(int[] values, Random random) {
    for (int i = values.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = values[i];
      values[i] = values[j];
      values[j] = swap;
    }
  }

  /** Sample indices for training and for validation. */
  public static final class Split {
    private final int[] train;
    private final int[] validation;

    Split(int[] train, int[] validation) {
      this.train = train;
      this.validation = validation;
    }

    public int[] train() {
      return train.clone();
    }

    public int[] validation() {
      return validation.clone();
    }

    int trainSize() {
      return train.length;
    }

    int validationSize() {
      return validation.length;
    }
  }

  public SampleLayout layout() {
    return layout;
  }

  public float[] floatColumn(int input) {
    return floatColumns[input];
  }

  public long[] longColumn(int input) {
    return longColumns[input];
  }

  public float[] targetColumn() {
    return targets;
  }
}
