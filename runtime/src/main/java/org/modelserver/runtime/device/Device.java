package org.modelserver.runtime.device;

/** Where a model instance executes: the CPU, or a CUDA GPU by index. */
public record Device(Kind kind, int index) {
  public static final Device CPU = new Device(Kind.CPU, 0);

  public enum Kind {
    CPU,
    GPU
  }

  public Device {
    if (index < 0) {
      throw new IllegalArgumentException("device index must be 0 or more");
    }
  }

  public static Device gpu(int index) {
    return new Device(Kind.GPU, index);
  }

  @Override
  public String toString() {
    return kind == Kind.CPU ? "cpu" : "cuda:" + index;
  }
}
