package org.modelserver.runtime.engine.torch;

import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.modelserver.runtime.config.ModelSignature;
import org.modelserver.runtime.config.TensorSpec;
import org.modelserver.runtime.engine.EngineSession;
import org.modelserver.runtime.engine.ModelLoadException;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Tensor;

/**
 * One loaded TorchScript module. Inputs are passed to {@code forward} in the declared order; a
 * tensor result or a tuple of tensors maps to the declared outputs in order. Every execution's
 * native arrays live in a scope that is closed before it returns, and closing the session waits for
 * running executions, so native memory is never freed under a running call.
 */
final class TorchSession implements EngineSession {
  private final Model model;
  private final List<TensorSpec> inputs;
  private final List<TensorSpec> outputs;
  private final boolean batched;
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private boolean closed;

  TorchSession(Model model, List<TensorSpec> inputs, List<TensorSpec> outputs, boolean batched) {
    this.model = model;
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    this.batched = batched;
  }

  @Override
  public Optional<ModelSignature> signature() {
    return Optional.empty();
  }

  /**
   * Runs the module once on zeros of the declared shapes (batch 1, variable dimensions 1) and
   * checks what it returns against the declared outputs, so a wrong declaration is a load error
   * that says what to fix rather than a failure on the first request.
   */
  void probe() {
    Map<String, Tensor> zeros = new LinkedHashMap<>();
    for (TensorSpec spec : inputs) {
      long[] shape = spec.shape(batched);
      for (int i = 0; i < shape.length; i++) {
        shape[i] = shape[i] < 0 ? 1 : shape[i];
      }
      int count = Math.toIntExact(org.modelserver.runtime.tensor.Shape.elementCount(shape));
      zeros.put(
          spec.name(), Tensor.of(spec.dataType(), shape, Tensor.allocate(spec.dataType(), count)));
    }
    Map<String, Tensor> results;
    try {
      results = run(zeros, null);
    } catch (ServingException e) {
      throw new ModelLoadException(
          "a probe run on zeros of the declared input shapes failed: " + e.getMessage(), e);
    }
    for (TensorSpec spec : outputs) {
      Tensor result = results.get(spec.name());
      long[] expected = spec.shape(batched);
      if (expected.length > 0 && batched) {
        expected[0] = 1;
      }
      if (result.dataType() != spec.dataType()
          || !org.modelserver.runtime.tensor.Shape.matches(expected, result.shape())) {
        throw new ModelLoadException(
            "output '"
                + spec.name()
                + "' is declared "
                + spec.dataType().configName()
                + " with dims "
                + org.modelserver.runtime.tensor.Shape.format(spec.dims())
                + (batched ? " (after the batch dimension)" : "")
                + " but the module returned "
                + result.dataType().configName()
                + " of shape "
                + org.modelserver.runtime.tensor.Shape.format(result.shape())
                + " for a batch of 1; fix the output declaration in config.yaml");
      }
    }
  }

  @Override
  public Map<String, Tensor> execute(Map<String, Tensor> values, Set<String> wanted) {
    return run(values, wanted);
  }

  private Map<String, Tensor> run(Map<String, Tensor> values, Set<String> wanted) {
    lifecycle.readLock().lock();
    try {
      if (closed) {
        throw ServingException.unavailable("the model session has been closed (unloaded)");
      }
      try (NDManager scope = model.getNDManager().newSubManager()) {
        NDList arguments = new NDList(inputs.size());
        for (TensorSpec spec : inputs) {
          Tensor tensor = values.get(spec.name());
          if (tensor == null) {
            throw ServingException.invalidArgument("missing input '" + spec.name() + "'");
          }
          arguments.add(
              scope.create(
                  direct(tensor.data()),
                  new Shape(tensor.shape()),
                  TorchTypes.toDjl(tensor.dataType())));
        }
        NDList returned =
            model.getBlock().forward(new ParameterStore(scope, false), arguments, false);
        if (returned.size() != outputs.size()) {
          throw ServingException.internal(
              "the module returned "
                  + returned.size()
                  + " tensors but the config declares "
                  + outputs.size()
                  + " outputs",
              null);
        }
        Map<String, Tensor> results = new LinkedHashMap<>();
        for (int i = 0; i < outputs.size(); i++) {
          String name = outputs.get(i).name();
          if (wanted == null || wanted.contains(name)) {
            results.put(name, toTensor(name, returned.get(i)));
          }
        }
        return results;
      }
    } catch (EngineException e) {
      // Shapes and types were validated already; what libtorch still rejects is the values.
      throw ServingException.invalidArgument("the model rejected the input: " + firstLine(e));
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  private static Tensor toTensor(String name, NDArray array) {
    DataType type = TorchTypes.fromDjl(array.getDataType());
    if (type == null) {
      throw ServingException.internal(
          "output '" + name + "' has type " + array.getDataType() + ", which cannot be served",
          null);
    }
    ByteBuffer bytes = array.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    return Tensor.of(type, array.getShape().getShape(), bytes);
  }

  private static ByteBuffer direct(ByteBuffer data) {
    if (data.isDirect()) {
      return data;
    }
    return ByteBuffer.allocateDirect(data.remaining())
        .order(ByteOrder.LITTLE_ENDIAN)
        .put(data)
        .flip();
  }

  private static String firstLine(Exception e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        model.close();
      }
    } finally {
      lifecycle.writeLock().unlock();
    }
  }
}
