package org.modelserver.runtime.engine.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import java.util.EnumMap;
import java.util.Map;
import org.modelserver.runtime.tensor.DataType;

/** Maps between ONNX element types and {@link DataType}. */
final class OnnxTypes {
  private static final Map<OnnxTensorType, DataType> FROM_ONNX =
      new EnumMap<>(OnnxTensorType.class);
  private static final Map<DataType, OnnxJavaType> TO_JAVA = new EnumMap<>(DataType.class);

  static {
    FROM_ONNX.put(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL, DataType.BOOL);
    FROM_ONNX.put(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8, DataType.UINT8);
    FROM_ONNX.put(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16, DataType.UINT16);
    FROM_ONNX.put(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32, DataType.UINT32);
    FROM_ONNX.put(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64, DataType.UINT64);
    FROM_ONNX.put(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8, DataType.INT8);
    FROM_ONNX.put(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16, DataType.INT16);
    FROM_ONNX.put(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, DataType.INT32);
    FROM_ONNX.put(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, DataType.INT64);
    FROM_ONNX.put(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16, DataType.FP16);
    FROM_ONNX.put(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16, DataType.BF16);
    FROM_ONNX.put(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, DataType.FP32);
    FROM_ONNX.put(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE, DataType.FP64);
    FROM_ONNX.put(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING, DataType.BYTES);

    TO_JAVA.put(DataType.BOOL, OnnxJavaType.BOOL);
    TO_JAVA.put(DataType.UINT8, OnnxJavaType.UINT8);
    TO_JAVA.put(DataType.INT8, OnnxJavaType.INT8);
    TO_JAVA.put(DataType.INT16, OnnxJavaType.INT16);
    TO_JAVA.put(DataType.INT32, OnnxJavaType.INT32);
    TO_JAVA.put(DataType.INT64, OnnxJavaType.INT64);
    TO_JAVA.put(DataType.FP16, OnnxJavaType.FLOAT16);
    TO_JAVA.put(DataType.BF16, OnnxJavaType.BFLOAT16);
    TO_JAVA.put(DataType.FP32, OnnxJavaType.FLOAT);
    TO_JAVA.put(DataType.FP64, OnnxJavaType.DOUBLE);
    TO_JAVA.put(DataType.BYTES, OnnxJavaType.STRING);
  }

  private OnnxTypes() {}

  /** The data type for an ONNX element type, or null when there is none. */
  static DataType toDataType(OnnxTensorType type) {
    return FROM_ONNX.get(type);
  }

  /** Whether ONNX Runtime's Java API can create and read tensors of this type. */
  static boolean isSupported(DataType type) {
    return TO_JAVA.containsKey(type);
  }

  static OnnxJavaType toJavaType(DataType type) {
    OnnxJavaType javaType = TO_JAVA.get(type);
    if (javaType == null) {
      throw new IllegalArgumentException(type + " tensors cannot be passed to ONNX Runtime");
    }
    return javaType;
  }
}
