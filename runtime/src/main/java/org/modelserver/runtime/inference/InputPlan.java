package org.modelserver.runtime.inference;

import org.modelserver.runtime.tensor.DataType;

/**
 * What a transport's decoder calls for each input once its name, datatype and shape are known and
 * before it allocates the tensor: the admitted request checks the input against the model and
 * reserves its bytes, so that no memory is taken for a tensor the model would refuse or that the
 * budget cannot hold.
 */
@FunctionalInterface
public interface InputPlan {
  /** Checks nothing and reserves nothing. */
  InputPlan NONE = (name, type, shape, bytes) -> {};

  /**
   * @param bytes what the decoder is about to allocate for it
   * @throws org.modelserver.runtime.error.ServingException INVALID_ARGUMENT for an input the model
   *     does not take in this datatype and shape; CAPACITY_EXCEEDED when the bytes do not fit
   */
  void admit(String name, DataType type, long[] shape, long bytes);
}
