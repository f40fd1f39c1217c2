package org.modelserver.runtime.stats;

/** Why a request failed, as Triton's {@code nv_inference_request_failure{reason}} label. */
public enum FailureReason {
  /** Refused by the scheduler: queue full or queue timeout. */
  REJECTED,
  /** Cancelled, for example by shutdown or unload. */
  CANCELED,
  /** The engine failed or rejected the inputs. */
  BACKEND,
  /** Anything else, for example validation failures. */
  OTHER
}
