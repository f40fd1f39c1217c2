package org.modelserver.runtime.engine.torch;

import java.util.EnumMap;
import java.util.Map;
import org.modelserver.runtime.tensor.DataType;

/** Maps {@link DataType} to DJL's data types for the element types libtorch serves. */
final class TorchTypes {
  private static final Map<DataType, ai.djl.ndarray.types.DataType> TO_DJL =
      new EnumMap<>(DataType.class);

  static {
    TO_DJL.put(DataType.BOOL, ai.djl.ndarray.types.DataType.BOOLEAN);
    TO_DJL.put(DataType.UINT8, ai.djl.ndarray.types.DataType.UINT8);
    TO_DJL.put(DataType.INT8, ai.djl.ndarray.types.DataType.INT8);
    TO_DJL.put(DataType.INT16, ai.djl.ndarray.types.DataType.INT16);
    TO_DJL.put(DataType.INT32, ai.djl.ndarray.types.DataType.INT32);
    TO_DJL.put(DataType.INT64, ai.djl.ndarray.types.DataType.INT64);
    TO_DJL.put(DataType.FP16, ai.djl.ndarray.types.DataType.FLOAT16);
    TO_DJL.put(DataType.BF16, ai.djl.ndarray.types.DataType.BFLOAT16);
    TO_DJL.put(DataType.FP32, ai.djl.ndarray.types.DataType.FLOAT32);
    TO_DJL.put(DataType.FP64, ai.djl.ndarray.types.DataType.FLOAT64);
  }

  private TorchTypes() {}

  static boolean isSupported(DataType type) {
    return TO_DJL.containsKey(type);
  }

  static ai.djl.ndarray.types.DataType toDjl(DataType type) {
    ai.djl.ndarray.types.DataType djl = TO_DJL.get(type);
    if (djl == null) {
      throw new IllegalArgumentException(type + " tensors cannot be passed to libtorch");
    }
    return djl;
  }

  /** The data type of a DJL type, or null when libtorch produced one this server cannot serve. */
  static DataType fromDjl(ai.djl.ndarray.types.DataType djl) {
    for (Map.Entry<DataType, ai.djl.ndarray.types.DataType> entry : TO_DJL.entrySet()) {
      if (entry.getValue() == djl) {
        return entry.getKey();
      }
    }
    return null;
  }

  static String supported() {
    return "TYPE_BOOL, TYPE_UINT8, TYPE_INT8, TYPE_INT16, TYPE_INT32, TYPE_INT64, TYPE_FP16,"
        + " TYPE_BF16, TYPE_FP32, TYPE_FP64";
  }
}
