package org.modelserver.runtime.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.ModelConfigParser;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.LoadSpec;
import org.modelserver.runtime.engine.torch.TorchEngine;
import org.modelserver.runtime.engine.torch.TorchTestEngine;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.runtime.train.data.TrainingData;
import org.modelserver.runtime.train.spec.DatasetSource;
import org.modelserver.runtime.train.spec.TrainingSpec;
import org.modelserver.runtime.train.torch.FineTuneResult;
import org.modelserver.runtime.train.torch.FineTuner;
import org.modelserver.runtime.train.torch.TrainingListener;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The example models, generated datasets and helpers to inspect a fine-tuned model file. */
public final class TrainFixtures {
  public static final String REGRESSOR = "regressor_torch";
  public static final String CLASSIFIER = "binary_classifier_torch";

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private TrainFixtures() {}

  /** The test JVM's libtorch, started as the server starts it. */
  public static TorchEngine engine() {
    TorchEngine engine = TorchTestEngine.get();
    engine.ensureStarted();
    return engine;
  }

  public static ModelConfig config(String model) {
    return new ModelConfigParser().read(model, TestRepos.modelDir(model));
  }

  public static Path modelFile(String model) {
    return TestRepos.modelDir(model).resolve("1/model.pt");
  }

  public static JsonNode json(String text) {
    return JSON.readTree(text);
  }

  public static TrainingSpec spec(String model, String json) {
    return TrainingSpec.parse(json(json), config(model));
  }

  /** Settings around an inline dataset; {@code rest} is more fields, starting with a comma. */
  public static String settings(String format, String dataset, String rest) {
    return "{\"dataset\": {\"format\": \""
        + format
        + "\", \"data\": "
        + JSON.writeValueAsString(dataset)
        + "}"
        + rest
        + "}";
  }

  public static TrainingData data(String model, TrainingSpec spec) {
    DatasetSource source = spec.dataset();
    return TrainingData.parse(source.format(), source.read(Path.of(".")), config(model), spec);
  }

  /** Samples of y = 10x + 3 with x uniform in [-1, 1), one JSON object per line. */
  public static String linearJsonl(int samples, long seed) {
    return lineJsonl(samples, seed, 10, 3);
  }

  /** Samples of y = a·x + b with x uniform in [-1, 1), one JSON object per line. */
  public static String lineJsonl(int samples, long seed, float a, float b) {
    Random random = new Random(seed);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < samples; i++) {
      float x = random.nextFloat() * 2 - 1;
      text.append(String.format(Locale.ROOT, "{\"x\": [%s], \"target\": [%s]}%n", x, a * x + b));
    }
    return text.toString();
  }

  /** The same kind of samples as CSV, with scalar columns. */
  public static String linearCsv(int samples, long seed) {
    Random random = new Random(seed);
    StringBuilder text = new StringBuilder("x,target\n");
    for (int i = 0; i < samples; i++) {
      float x = random.nextFloat() * 2 - 1;
      text.append(String.format(Locale.ROOT, "%s,%s%n", x, 10 * x + 3));
    }
    return text.toString();
  }

  /** Points in [-2, 2)², label 1 above the line a + b = 0.25, none within 0.2 of it. */
  public static float[][] separablePoints(int samples, long seed) {
    Random random = new Random(seed);
    float[][] points = new float[samples][];
    int count = 0;
    while (count < samples) {
      float a = random.nextFloat() * 4 - 2;
      float b = random.nextFloat() * 4 - 2;
      if (Math.abs(a + b - 0.25f) >= 0.2f) {
        points[count++] = new float[] {a, b, a + b > 0.25f ? 1 : 0};
      }
    }
    return points;
  }

  public static String separableJsonl(float[][] points) {
    StringBuilder text = new StringBuilder();
    for (float[] p : points) {
      text.append(
          String.format(
              Locale.ROOT, "{\"features\": [%s, %s], \"target\": %d}%n", p[0], p[1], (int) p[2]));
    }
    return text.toString();
  }

  public static FineTuneResult run(String model, TrainingSpec spec, Path output) {
    return new FineTuner(engine())
        .run(
            modelFile(model),
            config(model),
            spec,
            data(model, spec),
            output,
            TrainingListener.NONE,
            () -> false);
  }

  /** Runs a model file through the serving engine on a batch of one-element-or-more rows. */
  public static float[] predict(String model, Path file, String input, float[][] rows) {
    int width = rows[0].length;
    float[] flat = new float[rows.length * width];
    for (int r = 0; r < rows.length; r++) {
      System.arraycopy(rows[r], 0, flat, r * width, width);
    }
    ModelConfig config = config(model);
    try (EngineSession session =
        engine()
            .load(
                new LoadSpec(
                    model, 1, file, config, org.modelserver.runtime.device.Device.CPU, 1))) {
      String output = config.outputs().get(0).name();
      Tensor result =
          session
              .execute(
                  Map.of(input, Tensor.ofFloats(new long[] {rows.length, width}, flat)),
                  Set.of(output))
              .get(output);
      return result.floats();
    }
  }

  /** Every parameter of a TorchScript file by name, read through DJL. */
  public static Map<String, float[]> parameters(Path file) {
    engine();
    String name = file.getFileName().toString();
    try (Model model = Model.newInstance("inspect", Device.cpu(), "PyTorch")) {
      model.load(file.getParent(), name.substring(0, name.length() - 3));
      Map<String, float[]> values = new LinkedHashMap<>();
      model
          .getBlock()
          .getParameters()
          .values()
          .forEach(p -> values.put(p.getName(), p.getArray().toFloatArray()));
      return values;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (MalformedModelException e) {
      throw new IllegalStateException(e);
    }
  }

  public static void assertBitIdentical(float[] actual, float[] expected, String what) {
    assertThat(actual.length).as(what).isEqualTo(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat(Float.floatToRawIntBits(actual[i]))
          .as("%s element %d: %s vs %s", what, i, actual[i], expected[i])
          .isEqualTo(Float.floatToRawIntBits(expected[i]));
    }
  }

  /** Answers "cancelled" from the given poll on (1-based). */
  public static BooleanSupplier cancelAtPoll(int poll) {
    int[] polls = {0};
    return () -> ++polls[0] >= poll;
  }

  public static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
