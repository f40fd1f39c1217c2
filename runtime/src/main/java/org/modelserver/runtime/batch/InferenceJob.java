package org.modelserver.runtime.batch;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.modelserver.runtime.tensor.Tensor;

/**
 * One admitted request inside the scheduler: its inputs, the outputs it wants, its place in the
 * queue and the future its caller waits on. The future completes exactly once.
 */
public final class InferenceJob {
  final Map<String, Tensor> inputs;
  final List<String> outputs;
  final int rows;
  final int priorityLevel;
  final long arrivalNanos;
  final long deadlineNanos;
  final ShapeKey shapeKey;
  final long sequence;
  // The bytes of its input tensors: a batch never joins more than a buffer can hold.
  final long bytes;
  final CompletableFuture<Map<String, Tensor>> future = new CompletableFuture<>();
  boolean delayed;
  // Whether it waits in the queues; set and cleared under the scheduler's lock.
  boolean queued;
  // Set under the scheduler's lock when preserve_ordering holds a finished job back.
  boolean finished;
  Map<String, Tensor> result;
  // Set while the job runs alone in a batch: stops the run if the caller cancels.
  volatile org.modelserver.runtime.engine.RunStop stop;
  org.modelserver.runtime.error.ServingException error;

  InferenceJob(
      Map<String, Tensor> inputs,
      List<String> outputs,
      int rows,
      int priorityLevel,
      long arrivalNanos,
      long timeoutNanos,
      ShapeKey shapeKey,
      long sequence) {
    this.inputs = inputs;
    this.outputs = outputs;
    this.rows = rows;
    this.priorityLevel = priorityLevel;
    this.arrivalNanos = arrivalNanos;
    long deadline = timeoutNanos > 0 ? arrivalNanos + timeoutNanos : Long.MAX_VALUE;
    // A huge timeout overflows: it means "never".
    this.deadlineNanos = deadline < arrivalNanos ? Long.MAX_VALUE : deadline;
    this.shapeKey = shapeKey;
    this.sequence = sequence;
    long total = 0;
    for (Tensor tensor : inputs.values()) {
      total += tensor.byteSize();
    }
    this.bytes = total;
  }

  /** The non-batch dimensions of every input: only jobs with equal keys share an execution. */
  record ShapeKey(long[] dims) {
    static ShapeKey of(Map<String, Tensor> inputs, boolean batched) {
      int size = 0;
      for (Tensor tensor : inputs.values()) {
        size += tensor.rank() + 1;
      }
      long[] dims = new long[size];
      int at = 0;
      for (Tensor tensor : inputs.values()) {
        dims[at++] = tensor.rank();
        for (int i = batched ? 1 : 0; i < tensor.rank(); i++) {
          dims[at++] = tensor.dim(i);
        }
      }
      return new ShapeKey(Arrays.copyOf(dims, at));
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof ShapeKey that && Arrays.equals(dims, that.dims);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
      return Arrays.toString(dims);
    }
  }
}
