package org.modelserver.runtime.registry;

/** The state of a model version, named as in Triton's repository index. */
public enum ModelState {
  LOADING,
  READY,
  UNAVAILABLE
}
