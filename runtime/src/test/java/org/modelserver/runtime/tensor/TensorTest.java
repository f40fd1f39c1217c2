package org.modelserver.runtime.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TensorTest {

  @Test
  void ofAcceptsExactlyTheRightByteCount() {
    Tensor tensor = Tensor.of(DataType.INT32, new long[] {2, 3}, ByteBuffer.allocate(24));
    assertThat(tensor.dataType()).isEqualTo(DataType.INT32);
    assertThat(tensor.shape()).containsExactly(2, 3);
    assertThat(tensor.elementCount()).isEqualTo(6);
    assertThat(tensor.rank()).isEqualTo(2);
    assertThat(tensor.dim(1)).isEqualTo(3);
  }

  @Test
  void ofRejectsTooFewBytes() {
    assertThatThrownBy(() -> Tensor.of(DataType.FP32, new long[] {2, 3}, ByteBuffer.allocate(20)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("FP32")
        .hasMessageContaining("[2,3]")
        .hasMessageContaining("needs 24 bytes, got 20");
  }

  @Test
  void ofRejectsTooManyBytes() {
    assertThatThrownBy(() -> Tensor.of(DataType.INT64, new long[] {2}, ByteBuffer.allocate(17)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs 16 bytes, got 17");
  }

  @Test
  void ofRejectsVariableShapes() {
    assertThatThrownBy(() -> Tensor.of(DataType.FP32, new long[] {-1, 3}, ByteBuffer.allocate(12)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not concrete");
  }

  @Test
  void ofRejectsShapesWhoseElementCountOverflows() {
    assertThatThrownBy(
            () -> Tensor.of(DataType.FP32, new long[] {1L << 32, 1L << 32}, ByteBuffer.allocate(0)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void ofRejectsShapesWhoseByteCountOverflows() {
    assertThatThrownBy(
            () -> Tensor.of(DataType.FP32, new long[] {1L << 62}, ByteBuffer.allocate(0)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void ofRefusesBytesTensors() {
    assertThatThrownBy(() -> Tensor.of(DataType.BYTES, new long[] {1}, ByteBuffer.allocate(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ofBytes");
  }

  @Test
  void ofReadsFromTheBufferPosition() {
    ByteBuffer buffer = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putFloat(9f).putFloat(1.5f).putFloat(-2f);
    buffer.position(4);
    Tensor tensor = Tensor.of(DataType.FP32, new long[] {2}, buffer);
    assertThat(tensor.floats()).containsExactly(1.5f, -2f);
  }

  @Test
  void dataIsLittleEndianWhateverTheBufferOrder() {
    ByteBuffer buffer = ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN);
    buffer.put(new byte[] {1, 0, 0, 0}).flip();
    Tensor tensor = Tensor.of(DataType.INT32, new long[] {1}, buffer);
    assertThat(tensor.data().order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
    assertThat(tensor.data().getInt()).isEqualTo(1);
  }

  @Test
  void dataViewsArePositionedAtTheFirstElementEachTime() {
    Tensor tensor = Tensor.ofLongs(new long[] {2}, 7, 8);
    tensor.data().getLong();
    assertThat(tensor.data().position()).isZero();
    assertThat(tensor.data().remaining()).isEqualTo(16);
  }

  @Test
  void ofFloatsAndFloatsRoundTrip() {
    Tensor tensor = Tensor.ofFloats(new long[] {1, 3}, 0.5f, -1f, 3.25f);
    assertThat(tensor.dataType()).isEqualTo(DataType.FP32);
    assertThat(tensor.floats()).containsExactly(0.5f, -1f, 3.25f);
  }

  @Test
  void ofLongsAndLongsRoundTrip() {
    Tensor tensor = Tensor.ofLongs(new long[] {3}, Long.MIN_VALUE, 0, Long.MAX_VALUE);
    assertThat(tensor.dataType()).isEqualTo(DataType.INT64);
    assertThat(tensor.longs()).containsExactly(Long.MIN_VALUE, 0, Long.MAX_VALUE);
  }

  @Test
  void ofFloatsRejectsAValueCountThatDisagreesWithTheShape() {
    assertThatThrownBy(() -> Tensor.ofFloats(new long[] {2, 2}, 1f, 2f, 3f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs 16 bytes, got 12");
  }

  @Test
  void ofLongsRejectsAValueCountThatDisagreesWithTheShape() {
    assertThatThrownBy(() -> Tensor.ofLongs(new long[] {1}, 1, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs 8 bytes, got 16");
  }

  @Test
  void scalarTensorHasOneElement() {
    Tensor tensor = Tensor.ofFloats(new long[] {}, 4f);
    assertThat(tensor.rank()).isZero();
    assertThat(tensor.elementCount()).isEqualTo(1);
  }

  @Test
  void emptyTensorHasNoElements() {
    Tensor tensor = Tensor.ofFloats(new long[] {0, 4});
    assertThat(tensor.elementCount()).isZero();
    assertThat(tensor.floats()).isEmpty();
  }

  @Test
  void ofBytesKeepsTheElements() {
    byte[][] elements = {
      "a".getBytes(StandardCharsets.UTF_8), new byte[0], "日本".getBytes(StandardCharsets.UTF_8)
    };
    Tensor tensor = Tensor.ofBytes(new long[] {3}, elements);
    assertThat(tensor.dataType()).isEqualTo(DataType.BYTES);
    assertThat(tensor.bytesElements()).isDeepEqualTo(elements);
  }

  @Test
  void ofBytesRejectsAWrongElementCount() {
    assertThatThrownBy(() -> Tensor.ofBytes(new long[] {2, 2}, new byte[3][]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("BYTES")
        .hasMessageContaining("[2,2]")
        .hasMessageContaining("needs 4 elements, got 3");
  }

  @Test
  void bytesTensorHasNoDataBuffer() {
    Tensor tensor = Tensor.ofBytes(new long[] {1}, new byte[][] {{1}});
    assertThatThrownBy(tensor::data).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void fixedSizeTensorHasNoByteElements() {
    Tensor tensor = Tensor.ofFloats(new long[] {1}, 1f);
    assertThatThrownBy(tensor::bytesElements).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void typedAccessorsCheckTheType() {
    Tensor floats = Tensor.ofFloats(new long[] {1}, 1f);
    Tensor longs = Tensor.ofLongs(new long[] {1}, 1);
    assertThatThrownBy(floats::longs)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("FP32")
        .hasMessageContaining("INT64");
    assertThatThrownBy(longs::floats).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void shapeIsCopiedInAndOut() {
    long[] shape = {2};
    Tensor tensor = Tensor.ofLongs(shape, 1, 2);
    shape[0] = 99;
    tensor.shape()[0] = 42;
    assertThat(tensor.shape()).containsExactly(2);
  }

  @Test
  void allocateGivesALittleEndianDirectBuffer() {
    ByteBuffer buffer = Tensor.allocate(DataType.INT16, 5);
    assertThat(buffer.isDirect()).isTrue();
    assertThat(buffer.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
    assertThat(buffer.capacity()).isEqualTo(10);
  }

  @Test
  void toStringNamesTypeAndShape() {
    assertThat(Tensor.ofFloats(new long[] {1, 2}, 1f, 2f)).hasToString("Tensor[FP32 [1,2]]");
  }
}
