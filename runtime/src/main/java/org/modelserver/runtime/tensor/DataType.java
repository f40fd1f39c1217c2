package org.modelserver.runtime.tensor;

import java.util.Locale;
import java.util.Optional;

/**
 * Tensor element types, named as in the KServe v2 protocol ({@code FP32}) and in Triton's model
 * configuration ({@code TYPE_FP32}).
 */
public enum DataType {
  BOOL(1, "TYPE_BOOL"),
  UINT8(1, "TYPE_UINT8"),
  UINT16(2, "TYPE_UINT16"),
  UINT32(4, "TYPE_UINT32"),
  UINT64(8, "TYPE_UINT64"),
  INT8(1, "TYPE_INT8"),
  INT16(2, "TYPE_INT16"),
  INT32(4, "TYPE_INT32"),
  INT64(8, "TYPE_INT64"),
  FP16(2, "TYPE_FP16"),
  BF16(2, "TYPE_BF16"),
  FP32(4, "TYPE_FP32"),
  FP64(8, "TYPE_FP64"),
  /** Variable-length byte strings; Triton's config calls them {@code TYPE_STRING}. */
  BYTES(-1, "TYPE_STRING");

  private final int byteSize;
  private final String configName;

  DataType(int byteSize, String configName) {
    this.byteSize = byteSize;
    this.configName = configName;
  }

  /** Bytes per element, or -1 for {@link #BYTES}. */
  public int byteSize() {
    return byteSize;
  }

  public boolean isFixedSize() {
    return byteSize > 0;
  }

  /** The name used by the KServe v2 protocol, for example {@code FP32}. */
  public String protocolName() {
    return name();
  }

  /** The name used in Triton's model configuration, for example {@code TYPE_FP32}. */
  public String configName() {
    return configName;
  }

  /** The data type with exactly this protocol name (the protocol's names are case-sensitive). */
  public static Optional<DataType> fromProtocolName(String name) {
    for (DataType type : values()) {
      if (type.name().equals(name)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }

  public static Optional<DataType> fromConfigName(String name) {
    if (name == null) {
      return Optional.empty();
    }
    String upper = name.toUpperCase(Locale.ROOT);
    for (DataType type : values()) {
      if (type.configName.equals(upper)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }

  public static String protocolNames() {
    return "BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, BF16, FP32, FP64, BYTES";
  }
}
