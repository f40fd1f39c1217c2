package org.modelserver.server.grpc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.modelserver.grpc.v2.InferParameter;
import org.modelserver.grpc.v2.ModelInferRequest;
import org.modelserver.grpc.v2.ModelInferRequest.InferInputTensor;
import org.modelserver.grpc.v2.ModelInferRequest.InferRequestedOutputTensor;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.inference.InferenceRequest;
import org.modelserver.runtime.inference.InputPlan;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.server.Versions;
import org.modelserver.server.codec.RawTensors;

/**
 * Turns a {@link ModelInferRequest} into the runtime's {@link InferenceRequest}: names, datatypes,
 * shapes and the data of every input (typed {@code contents} or {@code raw_input_contents}),
 * request parameters and requested outputs. What the model expects is checked by the runtime.
 */
final class InferRequestDecoder {
  private static final int MAX_RANK = 32;

  private InferRequestDecoder() {}

  static InferenceRequest decode(ModelInferRequest request) {
    return decode(request, InputPlan.NONE);
  }

  /**
   * @param plan told of each input, after its name, datatype and shape are read and before its
   *     tensor is allocated
   */
  static InferenceRequest decode(ModelInferRequest request, InputPlan plan) {
    String model = modelName(request.getModelName(), "model_name");
    Optional<Long> version = version(request.getModelVersion());
    String id = request.getId().isEmpty() ? null : request.getId();
    Map<String, Object> parameters = parameters(request.getParametersMap(), "request");
    if (request.getInputsCount() == 0) {
      throw ServingException.invalidArgument(
          "'inputs' is required: at least one {name, datatype, shape, contents}");
    }
    boolean raw = request.getRawInputContentsCount() > 0;
    if (raw && request.getRawInputContentsCount() != request.getInputsCount()) {
      throw ServingException.invalidArgument(
          "raw_input_contents has "
              + request.getRawInputContentsCount()
              + " entries but the request has "
              + request.getInputsCount()
              + " inputs; send one entry per input, in the order of 'inputs'");
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (int i = 0; i < request.getInputsCount(); i++) {
      InferInputTensor input = request.getInputs(i);
      String name = input.getName();
      if (name.isEmpty()) {
        throw ServingException.invalidArgument("inputs[" + i + "] is missing 'name'");
      }
      if (tensors.containsKey(name)) {
        throw ServingException.invalidArgument("input '" + name + "' appears twice in 'inputs'");
      }
      DataType type = datatype(input.getDatatype(), name);
      long[] shape = shape(input.getShapeList(), name);
      Tensor tensor;
      if (raw) {
        if (input.hasContents()) {
          throw ServingException.invalidArgument(
              "input '"
                  + name
                  + "' sets 'contents' but the request sends raw_input_contents; use one or the"
                  + " other for every input");
        }
        plan.admit(name, type, shape, request.getRawInputContents(i).size());
        tensor = RawTensors.decode(name, type, shape, request.getRawInputContents(i));
      } else {
        if (!input.hasContents()) {
          throw ServingException.invalidArgument(
              "input '"
                  + name
                  + "' has no data: set its 'contents' or send every input in"
                  + " raw_input_contents");
        }
        plan.admit(name, type, shape, TypedContents.plannedBytes(type, input.getContents()));
        tensor = TypedContents.decode(name, type, shape, input.getContents());
      }
      tensors.put(name, tensor);
    }
    List<String> outputs = new ArrayList<>();
    Map<String, Integer> classifications = new LinkedHashMap<>();
    for (int i = 0; i < request.getOutputsCount(); i++) {
      InferRequestedOutputTensor output = request.getOutputs(i);
      String where = "outputs[" + i + "]";
      if (output.getName().isEmpty()) {
        throw ServingException.invalidArgument(where + " needs a 'name'");
      }
      outputs.add(output.getName());
      Object classification =
          parameters(output.getParametersMap(), where + " ('" + output.getName() + "')")
              .get("classification");
      if (classification != null) {
        classifications.put(output.getName(), classification(classification, output.getName()));
      }
    }
    return new InferenceRequest(model, version, id, tensors, outputs, parameters, classifications);
  }

  /** A model name from a request field; it may not be empty. */
  static String modelName(String name, String field) {
    if (name.isEmpty()) {
      throw ServingException.invalidArgument("'" + field + "' is required: the model's name");
    }
    return name;
  }

  /** A model version from a request field: empty for the model's default version. */
  static Optional<Long> version(String version) {
    return Versions.parse(version);
  }

  private static int classification(Object value, String output) {
    if (value instanceof Long number && number >= 0 && number <= Integer.MAX_VALUE) {
      return number.intValue();
    }
    throw ServingException.invalidArgument(
        "output '"
            + output
            + "' parameter 'classification' must be a non-negative int64, got "
            + value);
  }

  private static DataType datatype(String datatype, String name) {
    return DataType.fromProtocolName(datatype)
        .orElseThrow(
            () ->
                ServingException.invalidArgument(
                    "input '"
                        + name
                        + "' has unknown datatype \""
                        + datatype
                        + "\"; expected one of "
                        + DataType.protocolNames()));
  }

  private static long[] shape(List<Long> dims, String name) {
    String where = "input '" + name + "'";
    if (dims.size() > MAX_RANK) {
      throw ServingException.invalidArgument(
          where + " has " + dims.size() + " dimensions; at most " + MAX_RANK + " are supported");
    }
    long[] shape = new long[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      long dim = dims.get(i);
      if (dim < 0) {
        throw ServingException.invalidArgument(
            where + " 'shape' must hold non-negative integers, got " + dim + " at index " + i);
      }
      shape[i] = dim;
    }
    return shape;
  }

  /**
   * Request, input or output parameters as the runtime takes them: Boolean, Long, Double, String.
   */
  static Map<String, Object> parameters(Map<String, InferParameter> parameters, String where) {
    Map<String, Object> converted = new LinkedHashMap<>();
    for (Map.Entry<String, InferParameter> entry : parameters.entrySet()) {
      InferParameter parameter = entry.getValue();
      Object value =
          switch (parameter.getParameterChoiceCase()) {
            case BOOL_PARAM -> parameter.getBoolParam();
            case INT64_PARAM -> parameter.getInt64Param();
            case STRING_PARAM -> parameter.getStringParam();
            case DOUBLE_PARAM -> parameter.getDoubleParam();
            case UINT64_PARAM -> {
              long bits = parameter.getUint64Param();
              // as over JSON: an integer beyond int64 becomes a number
              yield bits >= 0 ? (Object) bits : (Object) unsignedToDouble(bits);
            }
            case PARAMETERCHOICE_NOT_SET ->
                throw ServingException.invalidArgument(
                    where + " parameter '" + entry.getKey() + "' has no value");
          };
      converted.put(entry.getKey(), value);
    }
    return converted;
  }

  private static double unsignedToDouble(long bits) {
    return (double) (bits >>> 1) * 2.0 + (bits & 1);
  }
}
