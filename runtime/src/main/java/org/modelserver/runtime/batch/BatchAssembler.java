package org.modelserver.runtime.batch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.Tensor;
import org.modelserver.runtime.tensor.Tensors;

/** Joins the inputs of a batch's jobs and hands each job exactly its own rows of every output. */
final class BatchAssembler {
  private BatchAssembler() {}

  static Map<String, Tensor> joinInputs(List<InferenceJob> jobs) {
    if (jobs.size() == 1) {
      return jobs.get(0).inputs;
    }
    Map<String, Tensor> joined = new LinkedHashMap<>();
    for (String name : jobs.get(0).inputs.keySet()) {
      List<Tensor> parts = new ArrayList<>(jobs.size());
      for (InferenceJob job : jobs) {
        parts.add(job.inputs.get(name));
      }
      joined.put(name, Tensors.concatRows(parts));
    }
    return joined;
  }

  static List<Map<String, Tensor>> splitOutputs(
      List<InferenceJob> jobs, Map<String, Tensor> results, boolean batched) {
    int totalRows = 0;
    for (InferenceJob job : jobs) {
      totalRows += job.rows;
    }
    List<Map<String, Tensor>> split = new ArrayList<>(jobs.size());
    long offset = 0;
    for (InferenceJob job : jobs) {
      Map<String, Tensor> own = new LinkedHashMap<>();
      for (String name : job.outputs) {
        Tensor output = results.get(name);
        if (output == null) {
          throw ServingException.internal("the engine did not produce output '" + name + "'", null);
        }
        if (jobs.size() == 1) {
          own.put(name, output);
          continue;
        }
        if (!batched || output.rank() == 0 || output.dim(0) != totalRows) {
          throw ServingException.internal(
              "output '"
                  + name
                  + "' "
                  + output
                  + " does not have the batch's "
                  + totalRows
                  + " rows",
              null);
        }
        own.put(name, Tensors.sliceRows(output, offset, job.rows));
      }
      split.add(own);
      offset += job.rows;
    }
    return split;
  }

  /**
   * The inputs in the config's order, so equal shapes give equal keys whatever the caller's order.
   */
  static Map<String, Tensor> inConfigOrder(ModelConfig config, Map<String, Tensor> inputs) {
    Map<String, Tensor> ordered = new LinkedHashMap<>();
    for (TensorSpec spec : config.inputs()) {
      Tensor tensor = inputs.get(spec.name());
      if (tensor != null) {
        ordered.put(spec.name(), tensor);
      }
    }
    if (ordered.size() != inputs.size()) {
      return inputs; // inputs the config does not list; validation upstream reports them
    }
    return ordered;
  }
}
