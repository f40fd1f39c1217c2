package org.modelserver.runtime.train.data;

import java.util.Arrays;
import java.util.List;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.train.spec.SampleLayout;

/**
 * Collects parsed samples into one flat array per input and one for the targets, so a batch is a
 * few array copies. A parser fills {@link #floats}, {@link #longs} and {@link #target} for one
 * sample, then calls {@link #commit}.
 */
final class SampleBuffer {
  private final SampleLayout layout;
  private final float[][] floatColumns;
  private final long[][] longColumns;
  private float[] targets;
  private final float[][] sampleFloats;
  private final long[][] sampleLongs;
  private final float[] sampleTarget;
  private int size;

  SampleBuffer(SampleLayout layout) {
    this.layout = layout;
    List<SampleLayout.Input> inputs = layout.inputs();
    floatColumns = new float[inputs.size()][];
    longColumns = new long[inputs.size()][];
    sampleFloats = new float[inputs.size()][];
    sampleLongs = new long[inputs.size()][];
    for (int i = 0; i < inputs.size(); i++) {
      SampleLayout.Input input = inputs.get(i);
      if (input.dataType() == DataType.INT64) {
        longColumns[i] = new long[input.width() * 16];
        sampleLongs[i] = new long[input.width()];
      } else {
        floatColumns[i] = new float[input.width() * 16];
        sampleFloats[i] = new float[input.width()];
      }
    }
    targets = new float[layout.targetWidth() * 16];
    sampleTarget = new float[layout.targetWidth()];
  }

  SampleLayout layout() {
    return layout;
  }

  /** The current sample's values of an FP32 input, to fill in. */
  float[] floats(int input) {
    return sampleFloats[input];
  }

  /** The current sample's values of an INT64 input, to fill in. */
  long[] longs(int input) {
    return sampleLongs[input];
  }

  /** The current sample's target, to fill in. */
  float[] target() {
    return sampleTarget;
  }

  /** Checks the current sample's target and appends the sample; {@code line} is 1-based. */
  void commit(int line) {
    String problem = layout.targetProblem(sampleTarget);
    if (problem != null) {
      throw ServingException.invalidArgument("dataset line " + line + ": " + problem);
    }
    if (size == Integer.MAX_VALUE) {
      throw ServingException.invalidArgument("dataset has too many samples");
    }
    for (int i = 0; i < floatColumns.length; i++) {
      if (floatColumns[i] != null) {
        floatColumns[i] = append(floatColumns[i], sampleFloats[i], size);
      } else {
        longColumns[i] = append(longColumns[i], sampleLongs[i], size);
      }
    }
    targets = append(targets, sampleTarget, size);
    size++;
  }

  int size() {
    return size;
  }

  float[] floatColumn(int input) {
    return floatColumns[input] == null ? null : Arrays.copyOf(floatColumns[input], widthOf(input));
  }

  long[] longColumn(int input) {
    return longColumns[input] == null ? null : Arrays.copyOf(longColumns[input], widthOf(input));
  }

  float[] targets() {
    return Arrays.copyOf(targets, size * layout.targetWidth());
  }

  private int widthOf(int input) {
    return size * layout.inputs().get(input).width();
  }

  private static float[] append(float[] column, float[] values, int index) {
    long end = ((long) index + 1) * values.length;
    float[] target = column;
    if (end > column.length) {
      target = Arrays.copyOf(column, grow(column.length, end));
    }
    System.arraycopy(values, 0, target, (int) (end - values.length), values.length);
    return target;
  }

  private static long[] append(long[] column, long[] values, int index) {
    long end = ((long) index + 1) * values.length;
    long[] target = column;
    if (end > column.length) {
      target = Arrays.copyOf(column, grow(column.length, end));
    }
    System.arraycopy(values, 0, target, (int) (end - values.length), values.length);
    return target;
  }

  private static int grow(int length, long needed) {
    long limit = Integer.MAX_VALUE - 8;
    if (needed > limit) {
      throw ServingException.invalidArgument("dataset is too large to hold in memory");
    }
    return (int) Math.min(Math.max((long) length * 2, needed), limit);
  }
}
