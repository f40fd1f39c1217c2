package org.modelserver.server.rest;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.inference.Admission;
import org.modelserver.runtime.inference.InferenceRequest;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Shape;
import org.modelserver.server.rest.json.BinaryTensors;
import org.modelserver.server.rest.json.RestInferRequest;
import org.springframework.stereotype.Component;

/**
 * The binary extension's raw form: {@code Inference-Header-Content-Length: 0} and a body that is
 * the whole binary tensor of a single-input model. The datatype comes from the model; the shape
 * from its dims, with the one variable dimension (usually the batch) taken from the body's size.
 * Outputs are answered in binary.
 */
@Component
class RawInferRequests {
  RestInferRequest read(Admission admission, String model, Optional<Long> version, byte[] body) {
    ModelConfig config = admission.version().config().orElseThrow();
    if (config.inputs().size() != 1) {
      throw ServingException.invalidArgument(
          "a raw binary body (Inference-Header-Content-Length: 0) needs a model with one input;"
              + " model '"
              + model
              + "' has "
              + config.inputs().size());
    }
    TensorSpec input = config.inputs().get(0);
    long[] shape = shape(input, config.batched(), body.length);
    ByteBuffer source = ByteBuffer.wrap(body);
    admission.inputPlan().admit(input.name(), input.dataType(), shape, body.length);
    InferenceRequest request =
        new InferenceRequest(
            model,
            version,
            null,
            Map.of(
                input.name(),
                BinaryTensors.decode(input.name(), input.dataType(), shape, source, body.length)),
            List.of(),
            Map.of());
    return new RestInferRequest(request, java.util.Set.of(), java.util.Set.of(), true);
  }

  private static long[] shape(TensorSpec input, boolean batched, long bytes) {
    long[] shape = input.shape(batched);
    int variable = -1;
    long fixedElements = 1;
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 0) {
        if (variable >= 0) {
          throw ServingException.invalidArgument(
              "input '"
                  + input.name()
                  + "' has more than one variable dimension "
                  + Shape.format(shape)
                  + "; a raw binary body cannot say its shape, send a JSON header instead");
        }
        variable = i;
      } else {
        fixedElements *= shape[i];
      }
    }
    if (input.dataType() == DataType.BYTES) {
      if (variable >= 0) {
        throw ServingException.invalidArgument(
            "input '" + input.name() + "' is BYTES with a variable shape; send a JSON header");
      }
      return shape;
    }
    long rowBytes = fixedElements * input.dataType().byteSize();
    if (variable >= 0) {
      if (rowBytes == 0 || bytes % rowBytes != 0) {
        throw ServingException.invalidArgument(
            "a raw body of "
                + bytes
                + " bytes is not a whole number of "
                + input.dataType()
                + " rows of "
                + rowBytes
                + " bytes for input '"
                + input.name()
                + "' "
                + Shape.format(shape));
      }
      shape[variable] = bytes / rowBytes;
    }
    return shape;
  }
}
