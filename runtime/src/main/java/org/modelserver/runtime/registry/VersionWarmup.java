package org.modelserver.runtime.registry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.modelserver.runtime.batch.Scheduler;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.ModelWarmup;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.engine.ModelLoadException;
import org.modelserver.runtime.stats.ModelStatistics;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Shape;
import org.modelserver.runtime.tensor.Tensor;

/**
 * Runs a version's {@code model_warmup} samples through its own scheduler and engine before the
 * version becomes READY, as Triton does; warm-up runs are not counted in the statistics. A sample
 * that does not match the model, cannot be read, or fails to run makes the version UNAVAILABLE with
 * the reason.
 */
final class VersionWarmup {
  /** The longest one warm-up run may take. */
  private static final long RUN_TIMEOUT_SECONDS = 600;

  private VersionWarmup() {}

  /**
   * @param modelDir the model folder ({@code warmup/} in it holds {@code input_data_file}s)
   * @throws ModelLoadException naming the sample and what was wrong
   */
  static void run(
      ModelConfig config, Scheduler scheduler, ModelStatistics statistics, Path modelDir) {
    if (config.warmup().isEmpty()) {
      return;
    }
    List<String> outputs = config.outputs().stream().map(TensorSpec::name).toList();
    Random random = new Random(config.name().hashCode());
    statistics.mute(true);
    try {
      for (ModelWarmup sample : config.warmup()) {
        Map<String, Tensor> inputs = inputs(config, sample, modelDir, random);
        for (int run = 0; run < sample.runs(); run++) {
          try {
            scheduler.submit(inputs, outputs, 0, 0).get(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
          } catch (ExecutionException e) {
            throw failed(sample, String.valueOf(e.getCause().getMessage()));
          } catch (TimeoutException e) {
            throw failed(sample, "it did not finish within " + RUN_TIMEOUT_SECONDS + " s");
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(sample, "interrupted");
          } catch (RuntimeException e) {
            throw failed(sample, e.getMessage());
          }
        }
      }
    } finally {
      statistics.mute(false);
    }
  }

  private static ModelLoadException failed(ModelWarmup sample, String why) {
    return new ModelLoadException("model_warmup sample '" + sample.name() + "' failed: " + why);
  }

  /** The sample's inputs, checked against the model's (completed) config. */
  private static Map<String, Tensor> inputs(
      ModelConfig config, ModelWarmup sample, Path modelDir, Random random) {
    boolean batched = config.batched();
    if (batched && (sample.batchSize() < 1 || sample.batchSize() > config.maxBatch())) {
      throw failed(
          sample,
          "batch_size must be between 1 and max_batch_size "
              + config.maxBatch()
              + ", got "
              + sample.batchSize());
    }
    if (!batched && sample.batchSize() > 1) {
      throw failed(sample, "the model does not batch (max_batch_size 0), so batch_size must be 1");
    }
    List<String> missing = new ArrayList<>();
    for (TensorSpec spec : config.inputs()) {
      if (!sample.inputs().containsKey(spec.name())) {
        missing.add(spec.name());
      }
    }
    if (!missing.isEmpty()) {
      throw failed(sample, "it has no data for input(s) " + missing);
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, ModelWarmup.Input> entry : sample.inputs().entrySet()) {
      String name = entry.getKey();
      ModelWarmup.Input input = entry.getValue();
      TensorSpec spec =
          config
              .input(name)
              .orElseThrow(
                  () ->
                      failed(
                          sample,
                          "the model has no input '"
                              + name
                              + "'; its inputs are "
                              + config.inputs().stream().map(TensorSpec::name).toList()));
      if (spec.dataType() != input.dataType()) {
        throw failed(
            sample,
            "input '"
                + name
                + "' is "
                + spec.dataType()
                + " in the model, not "
                + input.dataType());
      }
      long[] shape = batched ? Shape.prepend(sample.batchSize(), input.dims()) : input.dims();
      tensors.put(name, tensor(sample, name, input, shape, modelDir, random));
    }
    return tensors;
  }

  /**
   * One input's tensor. As in Triton, {@code dims} describe one row: a file holds one row's data,
   * and every row of a batch gets the same data.
   */
  private static Tensor tensor(
      ModelWarmup sample,
      String name,
      ModelWarmup.Input input,
      long[] shape,
      Path modelDir,
      Random random) {
    long perRow = Shape.elementCount(input.dims());
    long total = Shape.elementCount(shape);
    long rows = shape.length > input.dims().length ? shape[0] : 1;
    if (perRow < 0 || total < 0 || total > (1 << 26)) {
      throw failed(
          sample,
          "input '" + name + "' of shape " + Shape.format(shape) + " has more than 2^26 elements");
    }
    int rowCount = (int) perRow;
    int count = (int) total;
    DataType type = input.dataType();
    byte[] file = input.source() == ModelWarmup.Source.FILE ? read(sample, input, modelDir) : null;
    if (type == DataType.BYTES) {
      List<byte[]> row = new ArrayList<>();
      if (file != null) {
        row = lengthPrefixed(sample, name, file);
        if (row.size() != rowCount) {
          throw failed(
              sample,
              "input_data_file of '"
                  + name
                  + "' holds "
                  + row.size()
                  + " strings; one row of "
                  + java.util.Arrays.toString(input.dims())
                  + " needs "
                  + rowCount);
        }
      } else {
        // Triton falls back to zero data (empty strings) for random TYPE_STRING data.
        for (int i = 0; i < rowCount; i++) {
          row.add(new byte[0]);
        }
      }
      byte[][] values = new byte[count][];
      for (int i = 0; i < count; i++) {
        values[i] = row.get(i % rowCount);
      }
      return Tensor.ofBytes(shape, values);
    }
    ByteBuffer data = ByteBuffer.allocate(count * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    switch (input.source()) {
      case ZERO -> {
        // Already zeros.
      }
      case RANDOM -> fillRandom(data, type, count, random);
      case FILE -> {
        if (file.length != rowCount * type.byteSize()) {
          throw failed(
              sample,
              "input_data_file of '"
                  + name
                  + "' has "
                  + file.length
                  + " bytes; one row of "
                  + type
                  + java.util.Arrays.toString(input.dims())
                  + " needs "
                  + rowCount * type.byteSize());
        }
        for (long r = 0; r < rows; r++) {
          data.put(file);
        }
      }
    }
    data.rewind();
    return Tensor.of(type, shape, data);
  }

  private static byte[] read(ModelWarmup sample, ModelWarmup.Input input, Path modelDir) {
    Path file = modelDir.resolve("warmup").resolve(input.dataFile());
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw failed(sample, "input_data_file " + input.dataFile() + " is not in the warmup folder");
    }
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw failed(sample, "cannot read " + file.getFileName() + ": " + e.getMessage());
    }
  }

  /** Strings as Triton serializes them: each a 4-byte little-endian length, then its bytes. */
  private static List<byte[]> lengthPrefixed(ModelWarmup sample, String name, byte[] file) {
    ByteBuffer buffer = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    List<byte[]> values = new ArrayList<>();
    while (buffer.hasRemaining()) {
      if (buffer.remaining() < 4) {
        throw failed(sample, "input_data_file of '" + name + "' ends inside a length prefix");
      }
      int length = buffer.getInt();
      if (length < 0 || length > buffer.remaining()) {
        throw failed(sample, "input_data_file of '" + name + "' has a string past its end");
      }
      byte[] value = new byte[length];
      buffer.get(value);
      values.add(value);
    }
    return values;
  }

  /** Values in [0, 1) for floating types, 0 or 1 for the others (safe as indices and flags). */
  private static void fillRandom(ByteBuffer data, DataType type, int count, Random random) {
    for (int i = 0; i < count; i++) {
      switch (type) {
        case FP32 -> data.putFloat(random.nextFloat());
        case FP64 -> data.putDouble(random.nextDouble());
        // [0.5, 1): exponent of 0.5 with a random mantissa.
        case FP16 -> data.putShort((short) (0x3800 | random.nextInt(1 << 10)));
        case BF16 -> data.putShort((short) (Float.floatToIntBits(random.nextFloat()) >>> 16));
        default -> {
          int bit = random.nextInt(2);
          for (int b = 0; b < type.byteSize(); b++) {
            data.put((byte) (b == 0 ? bit : 0));
          }
        }
      }
    }
  }
}
