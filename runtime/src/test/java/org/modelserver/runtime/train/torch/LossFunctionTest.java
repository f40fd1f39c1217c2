package org.modelserver.runtime.train.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.modelserver.runtime.testsupport.TrainFixtures;
import org.modelserver.runtime.train.spec.LossFunction;

/**
 * Each loss on libtorch against PyTorch's own value for the same tensors. The expected numbers come
 * from /usr/bin/python3 with torch 1.13 (Debian python3-torch), for example {@code
 * torch.nn.BCELoss()(torch.tensor([[0.9], [0.2], [0.6], [0.0], [1.0], [0.0]]), torch.tensor([[1.],
 * [0.], [1.], [0.], [1.], [1.]])).item()}; see each test's comment.
 */
class LossFunctionTest {
  private static NDManager manager;

  @BeforeAll
  static void start() {
    TrainFixtures.engine();
    manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
  }

  @AfterAll
  static void stop() {
    manager.close();
  }

  private static NDArray array(float[] values, long... shape) {
    return manager.create(values, new Shape(shape));
  }

  /** The loss as the trainer computes it; the result outlives the loss's module. */
  private static NDArray compute(LossFunction function, NDArray prediction, NDArray target) {
    try (DjlLoss loss = new DjlLoss(function, (PtNDManager) manager)) {
      return loss.compute(prediction, target);
    }
  }

  private static double loss(LossFunction function, NDArray prediction, NDArray target) {
    try (NDManager scope = manager.newSubManager()) {
      prediction.tempAttach(scope);
      target.tempAttach(scope);
      return compute(function, prediction, target).getFloat();
    }
  }

  private static final float[] PREDICTION = {0.5f, -1.0f, 2.0f, 0.25f, -0.75f, 3.0f};
  private static final float[] TARGET = {1.0f, -0.5f, 1.5f, 0.0f, 0.0f, 2.0f};

  @Test
  void mseEqualsPyTorch() {
    // torch.nn.MSELoss()(p, t) with p, t the [3, 2] tensors above: 0.3958333432674408
    double value = loss(LossFunction.MSE, array(PREDICTION, 3, 2), array(TARGET, 3, 2));
    assertThat(value).isCloseTo(0.3958333432674408, within(1e-6));
  }

  @Test
  void l1EqualsPyTorch() {
    // torch.nn.L1Loss()(p, t): 0.5833333134651184
    double value = loss(LossFunction.L1, array(PREDICTION, 3, 2), array(TARGET, 3, 2));
    assertThat(value).isCloseTo(0.5833333134651184, within(1e-6));
  }

  @Test
  void bceEqualsPyTorchIncludingSaturatedProbabilities() {
    // torch.nn.BCELoss() on p = [[0.9], [0.2], [0.6], [0.0], [1.0], [0.0]] and
    // t = [[1], [0], [1], [0], [1], [1]]: 16.806554794311523 (the last pair costs the clamp's 100)
    double value =
        loss(
            LossFunction.BCE,
            array(new float[] {0.9f, 0.2f, 0.6f, 0.0f, 1.0f, 0.0f}, 6, 1),
            array(new float[] {1, 0, 1, 0, 1, 1}, 6, 1));
    assertThat(value).isCloseTo(16.806554794311523, within(1e-5));
  }

  @Test
  void bceWithLogitsEqualsPyTorch() {
    // torch.nn.BCEWithLogitsLoss() on x = [[2.0], [-1.5], [0.3], [30.0], [-30.0], [0.7]] and
    // t = [[1], [0], [0], [1], [1], [0.25]]: 5.351814270019531
    double value =
        loss(
            LossFunction.BCE_WITH_LOGITS,
            array(new float[] {2.0f, -1.5f, 0.3f, 30.0f, -30.0f, 0.7f}, 6, 1),
            array(new float[] {1, 0, 0, 1, 1, 0.25f}, 6, 1));
    assertThat(value).isCloseTo(5.351814270019531, within(1e-5));
  }

  @Test
  void crossEntropyEqualsPyTorch() {
    // torch.nn.CrossEntropyLoss() on logits [[1, 2, 0.5], [0.1, -1, 3], [2, 2, -2], [50, 0, -50]]
    // and class indices [1, 2, 0, 2]: 25.30935287475586 (one-hot rows here, as the trainer
    // builds them from class indices)
    double value =
        loss(
            LossFunction.CROSS_ENTROPY,
            array(new float[] {1, 2, 0.5f, 0.1f, -1, 3, 2, 2, -2, 50, 0, -50}, 4, 3),
            array(new float[] {0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1}, 4, 3));
    assertThat(value).isCloseTo(25.30935287475586, within(1e-5));
  }

  @Test
  void bceGradientEqualsPyTorch() {
    // torch.nn.BCELoss() on p = [[0.9], [0.2], [0.6]], t = [[1], [0], [1]]: p.grad is
    // (p - t) / (p (1 - p)) / 3 = [[-0.37037], [0.416667], [-0.555556]]
    try (NDManager scope = manager.newSubManager()) {
      NDArray probabilities = scope.create(new float[] {0.9f, 0.2f, 0.6f}, new Shape(3, 1));
      probabilities.setRequiresGradient(true);
      NDArray targets = scope.create(new float[] {1f, 0f, 1f}, new Shape(3, 1));
      try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
        collector.backward(compute(LossFunction.BCE, probabilities, targets));
      }
      float[] gradient = probabilities.getGradient().toFloatArray();
      assertThat(gradient[0]).isCloseTo(-0.37037f, within(1e-4f));
      assertThat(gradient[1]).isCloseTo(0.416667f, within(1e-4f));
      assertThat(gradient[2]).isCloseTo(-0.555556f, within(1e-4f));
    }
  }

  @Test
  void bceGradientStaysFiniteWhenProbabilitiesSaturate() {
    try (NDManager scope = manager.newSubManager()) {
      NDArray probabilities = scope.create(new float[] {0f, 1f, 0.5f}, new Shape(3, 1));
      probabilities.setRequiresGradient(true);
      NDArray targets = scope.create(new float[] {1f, 0f, 1f}, new Shape(3, 1));
      float[] gradient;
      try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
        NDArray loss = compute(LossFunction.BCE, probabilities, targets);
        assertThat(loss.getFloat()).isCloseTo((100 + 100 + (float) Math.log(2)) / 3, within(1e-4f));
        collector.backward(loss);
      }
      gradient = probabilities.getGradient().toFloatArray();
      for (float g : gradient) {
        assertThat(g).isFinite();
      }
      // PyTorch's p.grad for the same tensors: (p - t) / max(p (1 - p), 1e-12) / 3, that is
      // [[-3.3333e+11], [3.3333e+11], [-0.6667]]
      assertThat(gradient[0]).isCloseTo(-3.3333e11f, within(1e7f));
      assertThat(gradient[1]).isCloseTo(3.3333e11f, within(1e7f));
      assertThat(gradient[2]).isCloseTo(-0.6667f, within(1e-4f));
    }
  }

  @Test
  void namesAreTheSettingsNames() {
    assertThat(LossFunction.configNames())
        .isEqualTo("mse, l1, bce, bce_with_logits, cross_entropy");
    assertThat(LossFunction.fromConfigName("bce_with_logits"))
        .contains(LossFunction.BCE_WITH_LOGITS);
    assertThat(LossFunction.fromConfigName("BCE")).isEmpty();
  }
}
