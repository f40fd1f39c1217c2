package org.modelserver.runtime.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DataTypeTest {

  @ParameterizedTest
  @EnumSource(DataType.class)
  void protocolNameRoundTrips(DataType type) {
    assertThat(DataType.fromProtocolName(type.protocolName())).contains(type);
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void configNameRoundTrips(DataType type) {
    assertThat(DataType.fromConfigName(type.configName())).contains(type);
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = "BYTES", mode = EnumSource.Mode.EXCLUDE)
  void configNameIsTypePrefixedProtocolName(DataType type) {
    assertThat(type.configName()).isEqualTo("TYPE_" + type.protocolName());
  }

  @Test
  void protocolNamesAreTheKServeNames() {
    assertThat(DataType.FP32.protocolName()).isEqualTo("FP32");
    assertThat(DataType.BOOL.protocolName()).isEqualTo("BOOL");
    assertThat(DataType.BYTES.protocolName()).isEqualTo("BYTES");
  }

  @Test
  void bytesIsTypeStringInTritonConfigs() {
    assertThat(DataType.BYTES.configName()).isEqualTo("TYPE_STRING");
    assertThat(DataType.fromConfigName("TYPE_STRING")).contains(DataType.BYTES);
  }

  @Test
  void bytesHasNoTypeBytesConfigName() {
    assertThat(DataType.fromConfigName("TYPE_BYTES")).isEmpty();
  }

  @Test
  void stringIsNotAProtocolName() {
    assertThat(DataType.fromProtocolName("STRING")).isEmpty();
  }

  @Test
  void configNamesAreNotProtocolNames() {
    assertThat(DataType.fromProtocolName("TYPE_FP32")).isEmpty();
    assertThat(DataType.fromConfigName("FP32")).isEmpty();
  }

  @Test
  void unknownAndNullNamesAreEmpty() {
    assertThat(DataType.fromProtocolName("FP128")).isEmpty();
    assertThat(DataType.fromProtocolName("")).isEmpty();
    assertThat(DataType.fromProtocolName(null)).isEmpty();
    assertThat(DataType.fromConfigName("TYPE_FP128")).isEmpty();
    assertThat(DataType.fromConfigName(null)).isEmpty();
  }

  @Test
  void byteSizesMatchTheProtocol() {
    assertThat(DataType.BOOL.byteSize()).isEqualTo(1);
    assertThat(DataType.UINT8.byteSize()).isEqualTo(1);
    assertThat(DataType.INT8.byteSize()).isEqualTo(1);
    assertThat(DataType.UINT16.byteSize()).isEqualTo(2);
    assertThat(DataType.INT16.byteSize()).isEqualTo(2);
    assertThat(DataType.FP16.byteSize()).isEqualTo(2);
    assertThat(DataType.BF16.byteSize()).isEqualTo(2);
    assertThat(DataType.UINT32.byteSize()).isEqualTo(4);
    assertThat(DataType.INT32.byteSize()).isEqualTo(4);
    assertThat(DataType.FP32.byteSize()).isEqualTo(4);
    assertThat(DataType.UINT64.byteSize()).isEqualTo(8);
    assertThat(DataType.INT64.byteSize()).isEqualTo(8);
    assertThat(DataType.FP64.byteSize()).isEqualTo(8);
  }

  @Test
  void onlyBytesIsVariableSize() {
    assertThat(DataType.BYTES.isFixedSize()).isFalse();
    assertThat(DataType.BYTES.byteSize()).isEqualTo(-1);
    assertThat(Arrays.stream(DataType.values()).filter(type -> !type.isFixedSize()))
        .containsExactly(DataType.BYTES);
  }

  @Test
  void protocolNamesListsEveryType() {
    String expected =
        Arrays.stream(DataType.values())
            .map(DataType::protocolName)
            .collect(Collectors.joining(", "));
    assertThat(DataType.protocolNames()).isEqualTo(expected);
  }
}
