package org.modelserver.runtime.train.torch;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.modelserver.runtime.config.ModelConfig;
import org.modelserver.runtime.engine.ModelLoadException;
import org.modelserver.runtime.engine.torch.TorchEngine;
import org.modelserver.runtime.error.ServingException;
import org.modelserver.runtime.train.data.TrainingData;
import org.modelserver.runtime.train.spec.EarlyStopping;
import org.modelserver.runtime.train.spec.SampleLayout;
import org.modelserver.runtime.train.spec.TrainingSpec;

/**
 * Fine-tunes a TorchScript model on libtorch through DJL's trainer: mini-batch steps with a {@link
 * LossFunction} and an optimizer, optional frozen parameters, a validation split with early
 * stopping, and the result written as TorchScript that PyTorch's {@code torch.jit.load} reads.
 *
 * <p>libtorch is the serving engine's: the constructor takes the server's {@link TorchEngine}, so
 * libtorch starts once per process with the same cache folder, offline mode and thread settings,
 * whichever of serving and training needs it first.
 *
 * <p>Runs take turns: DJL allows one gradient collector per process and libtorch's random seed is
 * process-wide, so a second run waits for the first (and still notices its own cancellation).
 */
public final class FineTuner {
  private static final ReentrantLock ONE_RUN_AT_A_TIME = new ReentrantLock();

  private final TorchEngine engine;

  public FineTuner(TorchEngine engine) {
    this.engine = engine;
  }

  /**
   * Trains a copy of {@code baseModelFile} and writes it to {@code outputModelFile} (through a
   * temporary file in the same folder and an atomic rename); the base file is never changed.
   *
   * @param data parsed for {@code config} and {@code spec}
   * @param listener told of every step and epoch, on this thread
   * @param cancelled polled before every step; once true, the run stops, deletes what it wrote and
   *     throws {@link CancellationException}
   * @throws ServingException INVALID_ARGUMENT for settings the model refutes (a freeze pattern that
   *     matches no parameter, a loss that became NaN, outputs of the wrong shape), UNAVAILABLE when
   *     libtorch cannot start, INTERNAL when the base model cannot be loaded for training or the
   *     output cannot be written
   */
  public FineTuneResult run(
      Path baseModelFile,
      ModelConfig config,
      TrainingSpec spec,
      TrainingData data,
      Path outputModelFile,
      TrainingListener listener,
      BooleanSupplier cancelled) {
    SampleLayout layout = SampleLayout.of(config, spec.loss(), spec.output());
    if (!layout.sameAs(data.layout())) {
      throw new IllegalArgumentException("the data was parsed for another model, loss or output");
    }
    try {
      engine.ensureStarted();
    } catch (ModelLoadException e) {
      throw ServingException.unavailable(e.getMessage());
    }
    waitForTurn(cancelled);
    try {
      return new Run(spec, data, layout, listener, cancelled)
          .execute(baseModelFile, outputModelFile);
    } finally {
      ONE_RUN_AT_A_TIME.unlock();
    }
  }

  private static void waitForTurn(BooleanSupplier cancelled) {
    try {
      while (!ONE_RUN_AT_A_TIME.tryLock(50, TimeUnit.MILLISECONDS)) {
        if (cancelled.getAsBoolean()) {
          throw new CancellationException("fine-tuning cancelled before it started");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted while waiting for another fine-tuning run");
    }
  }

  /** The state of one run. */
  private static final class Run {
    private final TrainingSpec spec;
    private final TrainingData data;
    private final SampleLayout layout;
    private final TrainingListener listener;
    private final BooleanSupplier cancelled;
    private final Batches batches;
    private NDArray seed; // d loss / d loss, for every backward pass

    Run(
        TrainingSpec spec,
        TrainingData data,
        SampleLayout layout,
        TrainingListener listener,
        BooleanSupplier cancelled) {
      this.spec = spec;
      this.data = data;
      this.layout = layout;
      this.listener = listener;
      this.cancelled = cancelled;
      this.batches = new Batches(data, spec.batchSize());
    }

    /** The job's device: the planner has turned {@code auto} into {@code cpu} or {@code cuda:N}. */
    private Device device() {
      int cuda = spec.cudaIndex();
      return cuda < 0 ? Device.cpu() : Device.gpu(cuda);
    }

    FineTuneResult execute(Path baseModelFile, Path outputModelFile) {
      ai.djl.engine.Engine djl = ai.djl.engine.Engine.getEngine("PyTorch");
      djl.setRandomSeed(Long.hashCode(spec.seed()));
      try (Model model = load(baseModelFile);
          DjlLoss loss = new DjlLoss(spec.loss(), (PtNDManager) model.getNDManager())) {
        Optimizer optimizer = DjlOptimizers.of(spec.optimizer());
        DefaultTrainingConfig settings =
            new DefaultTrainingConfig(loss)
                .optOptimizer(optimizer)
                .optDevices(new Device[] {device()});
        try (Trainer trainer = model.newTrainer(settings)) {
          // newTrainer turns gradients on for every parameter: freeze after it.
          Parameters parameters = freeze(model.getBlock());
          ParameterUpdates updates = new ParameterUpdates(model.getBlock(), optimizer);
          return train(trainer, updates, parameters, outputModelFile);
        }
      } catch (EngineException e) {
        throw ServingException.invalidArgument(
            "libtorch rejected a training step: " + firstLine(e));
      }
    }

    private Model load(Path file) {
      Model model = Model.newInstance("fine-tune", device(), "PyTorch");
      String name = file.getFileName().toString();
      String prefix = name.endsWith(".pt") ? name.substring(0, name.length() - 3) : name;
      try {
        model.load(file.toAbsolutePath().getParent(), prefix, Map.of("trainParam", "true"));
        return model;
      } catch (IOException | MalformedModelException | RuntimeException e) {
        model.close();
        throw ServingException.internal(
            "libtorch cannot load " + name + " for training: " + firstLine(e), e);
      }
    }

    private record Parameters(List<String> trained, List<String> frozen) {}

    private Parameters freeze(Block block) {
      List<String> names = block.getParameters().values().stream().map(Parameter::getName).toList();
      if (names.isEmpty()) {
        throw ServingException.invalidArgument("the model has no parameters to train");
      }
      List<ParameterGlob> globs = spec.freeze().stream().map(ParameterGlob::new).toList();
      for (ParameterGlob glob : globs) {
        if (names.stream().noneMatch(glob::matches)) {
          throw ServingException.invalidArgument(
              "freeze pattern '"
                  + glob
                  + "' matches no parameter; the model's parameters are "
                  + String.join(", ", names));
        }
      }
      List<String> trained = new ArrayList<>();
      List<String> frozen = new ArrayList<>();
      for (String name : names) {
        (globs.stream().anyMatch(glob -> glob.matches(name)) ? frozen : trained).add(name);
      }
      if (trained.isEmpty()) {
        throw ServingException.invalidArgument(
            "the freeze patterns match every parameter (" + String.join(", ", names) + ")");
      }
      block.freezeParameters(true, parameter -> frozen.contains(parameter.getName()));
      return new Parameters(trained, frozen);
    }

    private FineTuneResult train(
        Trainer trainer, ParameterUpdates updates, Parameters parameters, Path outputModelFile) {
      TrainingData.Split split = data.split(spec.seed(), spec.validationSplit());
      int[] order = split.train();
      int[] validation = split.validation();
      double baseValidationLoss = validationLoss(trainer, validation);
      seed = trainer.getManager().ones(new ai.djl.ndarray.types.Shape());
      Random shuffling = new Random(spec.seed());
      List<EpochMetrics> epochs = new ArrayList<>();
      long started = System.nanoTime();
      long samplesTrained = 0;
      double best = Double.POSITIVE_INFINITY;
      int epochsWithoutImprovement = 0;
      boolean stoppedEarly = false;
      for (int epoch = 1; epoch <= spec.epochs(); epoch++) {
        if (spec.shuffle()) {
          TrainingData.shuffle(order, shuffling);
        }
        double lossSum = 0;
        int step = 0;
        // One gradient scope per epoch rather than per step: each opening and closing is two or
        // three calls into libtorch. Validation runs outside it, without gradients.
        try (GradientCollector collector = trainer.newGradientCollector()) {
          for (int from = 0; from < order.length; from += spec.batchSize()) {
            step++;
            checkCancelled("at epoch " + epoch + " step " + step);
            int to = Math.min(order.length, from + spec.batchSize());
            float loss = step(trainer, collector, updates, order, from, to, epoch, step);
            lossSum += (double) loss * (to - from);
            listener.onStep(epoch, step, loss);
          }
        }
        samplesTrained += order.length;
        double validationLoss = validationLoss(trainer, validation);
        if (validation.length > 0 && !Double.isFinite(validationLoss)) {
          throw ServingException.invalidArgument(
              "validation loss became " + validationLoss + " after epoch " + epoch + advice());
        }
        EpochMetrics metrics =
            new EpochMetrics(
                epoch,
                lossSum / order.length,
                validationLoss,
                order.length,
                Duration.ofNanos(System.nanoTime() - started));
        epochs.add(metrics);
        listener.onEpoch(metrics);
        if (spec.earlyStopping().isPresent()) {
          EarlyStopping stopping = spec.earlyStopping().get();
          if (validationLoss < best - stopping.minDelta()) {
            best = validationLoss;
            epochsWithoutImprovement = 0;
          } else if (++epochsWithoutImprovement >= stopping.patience()) {
            stoppedEarly = epoch < spec.epochs();
            break;
          }
        }
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      checkCancelled("before the model was written");
      Block block = trainer.getModel().getBlock();
      // Parameters that still track gradients cannot be saved ("Inference tensors cannot be
      // saved for backward").
      block.freezeParameters(true);
      TorchScriptWriter.write(
          (PtSymbolBlock) block,
          outputModelFile,
          () -> checkCancelled("while the model was written"));
      EpochMetrics last = epochs.get(epochs.size() - 1);
      return new FineTuneResult(
          epochs,
          baseValidationLoss,
          last.trainLoss(),
          last.validationLoss(),
          parameters.trained(),
          parameters.frozen(),
          samplesTrained,
          seconds > 0 ? samplesTrained / seconds : Double.NaN,
          stoppedEarly,
          outputModelFile);
    }

    /** One optimizer step on samples {@code order[from..to)}; returns the batch's loss. */
    private float step(
        Trainer trainer,
        GradientCollector collector,
        ParameterUpdates updates,
        int[] order,
        int from,
        int to,
        int epoch,
        int step) {
      try (NDManager scope = trainer.getManager().newSubManager()) {
        NDList inputs = batches.inputs(scope, order, from, to);
        NDArray target = batches.target(scope, order, from, to);
        NDArray prediction = trained(trainer.forward(inputs), to - from);
        NDArray loss = trainer.getLoss().evaluate(new NDList(target), new NDList(prediction));
        // getFloat() would index the scalar first: one more tensor and call into libtorch.
        float value = loss.toFloatArray()[0];
        if (!Float.isFinite(value)) {
          throw ServingException.invalidArgument(
              "loss became " + value + " at epoch " + epoch + " step " + step + advice());
        }
        backward(collector, loss);
        updates.step();
        return value;
      }
    }

    /**
     * What {@code collector.backward(loss)} does, with the seed gradient (a scalar one: every loss
     * is a mean) made once per run rather than at every step. The open collector is what records
     * the graph being run back.
     */
    private void backward(GradientCollector collector, NDArray loss) {
      Objects.requireNonNull(collector);
      JniUtils.backward((PtNDArray) loss, (PtNDArray) seed, false, false);
    }

    /** Mean loss over the validation samples, in eval mode and without gradients; NaN if none. */
    private double validationLoss(Trainer trainer, int[] validation) {
      if (validation.length == 0) {
        return Double.NaN;
      }
      double sum = 0;
      for (int from = 0; from < validation.length; from += spec.batchSize()) {
        int to = Math.min(validation.length, from + spec.batchSize());
        try (NDManager scope = trainer.getManager().newSubManager()) {
          NDArray prediction =
              trained(trainer.evaluate(batches.inputs(scope, validation, from, to)), to - from);
          NDArray target = batches.target(scope, validation, from, to);
          NDArray loss = trainer.getLoss().evaluate(new NDList(target), new NDList(prediction));
          sum += (double) loss.toFloatArray()[0] * (to - from);
        }
      }
      return sum / validation.length;
    }

    /** The trained output among the module's results, checked against its declared shape. */
    private NDArray trained(NDList results, int rows) {
      if (results.size() <= layout.outputIndex()) {
        throw ServingException.invalidArgument(
            "the module returned "
                + results.size()
                + " tensors; output '"
                + layout.output()
                + "' is declared at position "
                + (layout.outputIndex() + 1));
      }
      NDArray prediction = results.get(layout.outputIndex());
      ai.djl.ndarray.types.Shape expected = Batches.batchShape(rows, layout.outputDims());
      if (!prediction.getShape().equals(expected)) {
        throw ServingException.invalidArgument(
            "output '"
                + layout.output()
                + "' has shape "
                + prediction.getShape()
                + " for a batch of "
                + rows
                + " but its config dims make it "
                + expected);
      }
      return prediction;
    }

    private void checkCancelled(String when) {
      if (cancelled.getAsBoolean()) {
        throw new CancellationException("fine-tuning cancelled " + when);
      }
    }

    private String advice() {
      return "; lower optimizer.lr (now " + spec.optimizer().learningRate() + ")";
    }
  }

  private static String firstLine(Exception e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
