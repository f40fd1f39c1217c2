/**
 * The libtorch training loop through DJL (FineTuner, losses equal to PyTorch's, optimizers),
 * writing TorchScript that PyTorch loads.
 */
package org.modelserver.runtime.train.torch;
