package org.modelserver.runtime.inference;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Shape;
import org.modelserver.runtime.tensor.Tensor;

/**
 * Checks a request against a model's completed config. Every message names the tensor, what was
 * sent and what the model expects.
 */
public final class RequestValidator {
  private RequestValidator() {}

  /**
   * Validates inputs and requested outputs.
   *
   * @return the names of the outputs to compute, in response order
   */
  public static List<String> validate(ModelConfig config, InferenceRequest request) {
    String model = "model '" + config.name() + "'";
    Map<String, Tensor> inputs = request.inputs();
    for (String name : inputs.keySet()) {
      if (config.input(name).isEmpty()) {
        throw ServingException.invalidArgument(
            "unknown input '"
                + name
                + "' for "
                + model
                + "; expected inputs "
                + names(config.inputs()));
      }
    }
    long batch = -1;
    String batchInput = null;
    for (TensorSpec spec : config.inputs()) {
      Tensor tensor = inputs.get(spec.name());
      if (tensor == null) {
        throw ServingException.invalidArgument(
            "missing input '"
                + spec.name()
                + "' for "
                + model
                + "; expected inputs "
                + names(config.inputs()));
      }
      checkInput(config, spec, tensor);
      if (config.batched()) {
        long size = tensor.dim(0);
        if (batchInput != null && size != batch) {
          throw ServingException.invalidArgument(
              "inputs disagree on the batch size: '"
                  + batchInput
                  + "' has "
                  + batch
                  + " but '"
                  + spec.name()
                  + "' has "
                  + size);
        }
        batch = size;
        batchInput = spec.name();
      }
    }
    return outputs(config, request.outputs());
  }

  /**
   * Checks one input as a request declares it, before its data is decoded: the model must have an
   * input of that name, datatype and shape.
   */
  public static void checkDeclared(ModelConfig config, String name, DataType type, long[] shape) {
    TensorSpec spec =
        config
            .input(name)
            .orElseThrow(
                () ->
                    ServingException.invalidArgument(
                        "unknown input '"
                            + name
                            + "' for model '"
                            + config.name()
                            + "'; expected inputs "
                            + names(config.inputs())));
    checkInput(config, spec, type, shape);
  }

  private static void checkInput(ModelConfig config, TensorSpec spec, Tensor tensor) {
    checkInput(config, spec, tensor.dataType(), tensor.shape());
  }

  private static void checkInput(ModelConfig config, TensorSpec spec, DataType type, long[] shape) {
    String where = "input '" + spec.name() + "'";
    if (type != spec.dataType()) {
      throw ServingException.invalidArgument(
          where + " has datatype " + type + " but the model expects " + spec.dataType());
    }
    long[] expected = spec.shape(config.batched());
    if (!Shape.matches(expected, shape)) {
      throw ServingException.invalidArgument(
          where
              + " has shape "
              + Shape.format(shape)
              + " but the model expects "
              + Shape.format(expected)
              + " (-1 is any size"
              + (config.batched() ? ", the first dimension is the batch" : "")
              + ")");
    }
    if (config.batched()) {
      long batch = shape[0];
      if (batch < 1) {
        throw ServingException.invalidArgument(where + " has batch size 0; send at least one");
      }
      if (batch > config.maxBatch()) {
        throw ServingException.invalidArgument(
            where
                + " has batch size "
                + batch
                + ", more than the model's max_batch_size "
                + config.maxBatch());
      }
    }
  }

  private static List<String> outputs(ModelConfig config, List<String> requested) {
    if (requested.isEmpty()) {
      return config.outputs().stream().map(TensorSpec::name).toList();
    }
    Set<String> seen = new HashSet<>();
    List<String> names = new ArrayList<>();
    for (String name : requested) {
      if (config.output(name).isEmpty()) {
        throw ServingException.invalidArgument(
            "unknown output '"
                + name
                + "' requested from model '"
                + config.name()
                + "'; its outputs are "
                + names(config.outputs()));
      }
      if (!seen.add(name)) {
        throw ServingException.invalidArgument("output '" + name + "' is requested twice");
      }
      names.add(name);
    }
    return names;
  }

  private static String names(List<TensorSpec> specs) {
    return specs.stream().map(TensorSpec::name).collect(Collectors.joining(", ", "[", "]"));
  }
}
