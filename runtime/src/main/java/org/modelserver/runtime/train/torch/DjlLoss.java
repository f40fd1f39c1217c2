package org.modelserver.runtime.train.torch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.training.loss.Loss;
import org.modelserver.runtime.train.spec.LossFunction;

/**
 * A {@link LossFunction} as the {@link Loss} a DJL trainer is configured with: PyTorch's own loss
 * function, loaded as a TorchScript module (exported by {@code runtime/scripts/export_losses.py})
 * and called with gradients.
 *
 * <p>One module call is one fused operator and one autograd node, so the loss costs a few calls
 * into libtorch per step whatever its formula; composed from elementwise NDArray ops, bce with
 * PyTorch's clamp of the log terms at -100 took 14 calls, each with its own autograd node. The
 * values and gradients are PyTorch's by construction.
 */
public final class DjlLoss extends Loss implements AutoCloseable {
  private final PtSymbolBlock module;

  /** Loads the loss's module into {@code manager}; closing either deletes it. */
  public DjlLoss(LossFunction function, PtNDManager manager) {
    super(function.configName());
    module = ScriptModules.load("losses/" + function.configName() + ".pt", manager);
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    return compute(predictions.singletonOrThrow(), labels.singletonOrThrow());
  }

  /**
   * The mean loss of a batch, a scalar in {@code prediction}'s manager that gradients flow back
   * through when gradients are being collected.
   */
  public NDArray compute(NDArray prediction, NDArray target) {
    return IValueUtils.forward(module, new NDList(prediction, target), true).singletonOrThrow();
  }

  @Override
  public void close() {
    module.close();
  }
}
