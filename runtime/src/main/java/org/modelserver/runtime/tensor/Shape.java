package org.modelserver.runtime.tensor;

import java.util.Arrays;
import java.util.StringJoiner;

/** Helpers for shapes held as {@code long[]}; -1 marks a variable dimension. */
public final class Shape {
  private Shape() {}

  /** Number of elements of a concrete shape, or -1 when it overflows a long. */
  public static long elementCount(long[] shape) {
    long count = 1;
    for (long dim : shape) {
      if (dim < 0) {
        throw new IllegalArgumentException("shape " + format(shape) + " is not concrete");
      }
      try {
        count = Math.multiplyExact(count, dim);
      } catch (ArithmeticException e) {
        return -1;
      }
    }
    return count;
  }

  /** Whether a concrete shape fits a pattern in which -1 matches any size. */
  public static boolean matches(long[] pattern, long[] shape) {
    if (pattern.length != shape.length) {
      return false;
    }
    for (int i = 0; i < pattern.length; i++) {
      if (pattern[i] >= 0 && pattern[i] != shape[i]) {
        return false;
      }
    }
    return true;
  }

  public static long[] prepend(long first, long[] rest) {
    long[] result = new long[rest.length + 1];
    result[0] = first;
    System.arraycopy(rest, 0, result, 1, rest.length);
    return result;
  }

  public static long[] dropFirst(long[] shape) {
    return Arrays.copyOfRange(shape, 1, shape.length);
  }

  public static String format(long[] shape) {
    StringJoiner joiner = new StringJoiner(",", "[", "]");
    for (long dim : shape) {
      joiner.add(Long.toString(dim));
    }
    return joiner.toString();
  }
}
