package org.modelserver.runtime.tensor;

/** Conversions of 16-bit floats (IEEE half and bfloat16) to {@code float}. */
public final class HalfFloats {
  private HalfFloats() {}

  /** An IEEE 754 half-precision value, given as its bits, widened to float. */
  public static float fp16ToFloat(short bits) {
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1F;
    int mantissa = bits & 0x3FF;
    if (exponent == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }

  /** A bfloat16 value, given as its bits, widened to float. */
  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }
}
