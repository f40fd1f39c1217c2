package org.modelserver.runtime.engine.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.modelserver.runtime.config.ModelSignature;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.engine.ModelLoadException;
import org.modelserver.runtime.tensor.DataType;

/** Reads a session's graph inputs and outputs as {@link TensorSpec}s. */
final class OnnxSignatures {
  private OnnxSignatures() {}

  static ModelSignature read(OrtSession session) throws OrtException {
    return new ModelSignature(
        specs(session.getInputInfo(), "input"), specs(session.getOutputInfo(), "output"));
  }

  private static List<TensorSpec> specs(Map<String, NodeInfo> nodes, String kind) {
    List<TensorSpec> specs = new ArrayList<>();
    for (NodeInfo node : nodes.values()) {
      if (!(node.getInfo() instanceof TensorInfo info)) {
        throw new ModelLoadException(
            kind
                + " '"
                + node.getName()
                + "' is not a tensor ("
                + node.getInfo()
                + "); only tensor inputs and outputs can be served");
      }
      DataType type = OnnxTypes.toDataType(info.onnxType);
      if (type == null || !OnnxTypes.isSupported(type)) {
        throw new ModelLoadException(
            kind
                + " '"
                + node.getName()
                + "' has element type "
                + info.onnxType
                + ", which ONNX Runtime's Java API cannot exchange");
      }
      specs.add(new TensorSpec(node.getName(), type, info.getShape()));
    }
    return specs;
  }
}
