package org.modelserver.runtime.config;

import java.util.Arrays;
import java.util.Objects;
import org.modelserver.runtime.tensor.DataType;
import org.modelserver.runtime.tensor.Shape;

/**
 * A declared model input or output: its name, data type and dims. As in Triton, dims exclude the
 * batch dimension when the model batches; -1 marks a variable dimension.
 */
public final class TensorSpec {
  private final String name;
  private final DataType dataType;
  private final long[] dims;

  public TensorSpec(String name, DataType dataType, long[] dims) {
    this.name = Objects.requireNonNull(name, "name");
    this.dataType = Objects.requireNonNull(dataType, "dataType");
    this.dims = dims.clone();
  }

  public String name() {
    return name;
  }

  public DataType dataType() {
    return dataType;
  }

  public long[] dims() {
    return dims.clone();
  }

  /** The full shape a request must have: with a leading -1 when the model batches. */
  public long[] shape(boolean batched) {
    return batched ? Shape.prepend(-1, dims) : dims.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TensorSpec that
        && name.equals(that.name)
        && dataType == that.dataType
        && Arrays.equals(dims, that.dims);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dataType, Arrays.hashCode(dims));
  }

  @Override
  public String toString() {
    return name + " " + dataType + " " + Shape.format(dims);
  }
}
