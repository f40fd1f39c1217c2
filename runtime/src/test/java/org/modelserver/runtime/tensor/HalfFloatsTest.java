package org.modelserver.runtime.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HalfFloatsTest {

  private static float fp16(int bits) {
    return HalfFloats.fp16ToFloat((short) bits);
  }

  private static float bf16(int bits) {
    return HalfFloats.bf16ToFloat((short) bits);
  }

  @Test
  void fp16One() {
    assertThat(fp16(0x3C00)).isEqualTo(1.0f);
  }

  @Test
  void fp16MinusTwo() {
    assertThat(fp16(0xC000)).isEqualTo(-2.0f);
  }

  @Test
  void fp16Largest() {
    assertThat(fp16(0x7BFF)).isEqualTo(65504.0f);
    assertThat(fp16(0xFBFF)).isEqualTo(-65504.0f);
  }

  @Test
  void fp16SmallestNormal() {
    assertThat(fp16(0x0400)).isEqualTo(0x1p-14f);
  }

  @Test
  void fp16Subnormals() {
    assertThat(fp16(0x0001)).isEqualTo(0x1p-24f);
    assertThat(fp16(0x03FF)).isEqualTo(1023 * 0x1p-24f);
    assertThat(fp16(0x8001)).isEqualTo(-0x1p-24f);
  }

  @Test
  void fp16SignedZeros() {
    assertThat(Float.floatToRawIntBits(fp16(0x0000))).isEqualTo(Float.floatToRawIntBits(0.0f));
    assertThat(Float.floatToRawIntBits(fp16(0x8000))).isEqualTo(Float.floatToRawIntBits(-0.0f));
  }

  @Test
  void fp16Infinities() {
    assertThat(fp16(0x7C00)).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(fp16(0xFC00)).isEqualTo(Float.NEGATIVE_INFINITY);
  }

  @Test
  void fp16NaN() {
    assertThat(fp16(0x7E00)).isNaN();
    assertThat(fp16(0x7C01)).isNaN();
    assertThat(fp16(0xFE00)).isNaN();
  }

  @Test
  void fp16AgreesWithTheDefinitionForEveryBitPattern() {
    for (int bits = 0; bits <= 0xFFFF; bits++) {
      int sign = (bits >> 15) & 1;
      int exponent = (bits >> 10) & 0x1F;
      int mantissa = bits & 0x3FF;
      double magnitude;
      if (exponent == 0x1F) {
        magnitude = mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
      } else if (exponent == 0) {
        magnitude = Math.scalb((double) mantissa, -24);
      } else {
        magnitude = Math.scalb(1.0 + mantissa / 1024.0, exponent - 15);
      }
      float expected = (float) (sign == 1 ? -magnitude : magnitude);
      float actual = fp16(bits);
      if (Float.isNaN(expected)) {
        assertThat(actual).as("bits 0x%04X", bits).isNaN();
      } else {
        assertThat(Float.floatToRawIntBits(actual))
            .as("bits 0x%04X", bits)
            .isEqualTo(Float.floatToRawIntBits(expected));
      }
    }
  }

  @Test
  void bf16One() {
    assertThat(bf16(0x3F80)).isEqualTo(1.0f);
  }

  @Test
  void bf16MinusTwo() {
    assertThat(bf16(0xC000)).isEqualTo(-2.0f);
  }

  @Test
  void bf16KeepsFloatRange() {
    assertThat(bf16(0x7F7F)).isEqualTo(Float.intBitsToFloat(0x7F7F0000));
    assertThat(bf16(0x7F7F)).isGreaterThan(3.38e38f);
  }

  @Test
  void bf16Subnormal() {
    assertThat(bf16(0x0001)).isEqualTo(Float.intBitsToFloat(0x00010000)).isPositive();
  }

  @Test
  void bf16InfinitiesAndNaN() {
    assertThat(bf16(0x7F80)).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(bf16(0xFF80)).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(bf16(0x7FC0)).isNaN();
  }

  @Test
  void bf16IsTheHighHalfOfAFloat() {
    for (int bits = 0; bits <= 0xFFFF; bits++) {
      assertThat(Float.floatToRawIntBits(bf16(bits))).isEqualTo(bits << 16);
    }
  }
}
