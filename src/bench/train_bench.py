#!/usr/bin/env python3
"""The Java TrainingBenchmark's fine-tuning loop in plain PyTorch, for a same-machine comparison.

    train_bench.py --data-dir target/bench/training [options]

Reads the CSV datasets that TrainingBenchmark wrote (``<data-dir>/<model>.csv``: the same samples),
``torch.jit.load``s the same ``model-repo/<model>/<latest>/model.pt`` and, per batch size, runs
1-epoch warm-up runs for ``--warmup-seconds`` and ``--runs`` measured runs of ``--epochs``, each
from the base file: SGD (no momentum, no weight decay), a new shuffle each epoch, and per step
zero_grad, forward, loss, ``loss.item()``, backward, step. Losses are PyTorch's own
(binary_cross_entropy for binary_classifier_torch, mse_loss against one-hot targets for
classifier_torch, whose output is softmax probabilities).

Prints the Java side's line format: ``RUN side=python ...`` per measured run and ``RESULT
side=python ...`` with the medians (plus the best run's loop figure). loop_samples_per_s covers
the epochs only (as FineTuneResult's samplesPerSecond); wall_samples_per_s covers torch.jit.load,
the epochs and torch.jit.save.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

LOSSES = {
    "binary_classifier_torch": ("bce", F.binary_cross_entropy),
    "classifier_torch": ("mse", F.mse_loss),
}


def latest_model(model_dir):
    versions = [d for d in os.listdir(model_dir)
                if d.isdigit() and os.path.isfile(os.path.join(model_dir, d, "model.pt"))]
    if not versions:
        sys.exit(f"train_bench.py: no VERSION/model.pt in {model_dir}")
    return os.path.join(model_dir, max(versions, key=int), "model.pt")


def load_csv(path):
    with open(path, encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    values = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32, ndmin=2)
    inputs = [i for i, name in enumerate(header) if not name.startswith("target")]
    targets = [i for i, name in enumerate(header) if name.startswith("target")]
    x = torch.from_numpy(np.ascontiguousarray(values[:, inputs]))
    y = torch.from_numpy(np.ascontiguousarray(values[:, targets]))
    return x, y


def fine_tune(model_file, x, y, loss_fn, batch, epochs, lr, seed, output):
    """One run from the base file: (loop seconds, wall seconds, samples, last epoch loss)."""
    started = time.perf_counter()
    model = torch.jit.load(model_file)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    n = x.shape[0]
    loop_started = time.perf_counter()
    epoch_loss = float("nan")
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        loss_sum = 0.0
        for start in range(0, n, batch):
            index = order[start:start + batch]
            inputs, target = x[index], y[index]
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), target)
            value = loss.item()
            if not np.isfinite(value):
                raise RuntimeError(f"loss became {value}")
            loss.backward()
            optimizer.step()
            loss_sum += value * index.shape[0]
        epoch_loss = loss_sum / n
    loop_seconds = time.perf_counter() - loop_started
    model.eval()
    torch.jit.save(model, output)
    return loop_seconds, time.perf_counter() - started, n * epochs, epoch_loss


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True, help="where TrainingBenchmark wrote the CSVs")
    parser.add_argument("--model-repo", default="model-repo")
    parser.add_argument("--models", default="binary_classifier_torch,classifier_torch")
    parser.add_argument("--samples", type=int, default=0,
                        help="check that each CSV holds this many samples (0: no check)")
    parser.add_argument("--batches", default="32,256")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--warmup-seconds", type=float, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch.set_num_threads; 0 keeps torch's default")
    args = parser.parse_args()

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    print(f"INFO side=python torch={torch.__version__} threads={torch.get_num_threads()}"
          f" interop_threads={torch.get_num_interop_threads()} processors={os.cpu_count()}"
          f" python={sys.version.split()[0]}", flush=True)
    for model in args.models.split(","):
        if model not in LOSSES:
            sys.exit(f"train_bench.py: unknown model {model}; expected {', '.join(LOSSES)}")
        loss_name, loss_fn = LOSSES[model]
        model_file = latest_model(os.path.join(args.model_repo, model))
        csv = os.path.join(args.data_dir, model + ".csv")
        x, y = load_csv(csv)
        if args.samples and x.shape[0] != args.samples:
            sys.exit(f"train_bench.py: {csv} holds {x.shape[0]} samples, not {args.samples}")
        print(f"INFO side=python model={model} file={model_file} loss={loss_name} data={csv}"
              f" samples={x.shape[0]}", flush=True)
        for batch in (int(b) for b in args.batches.split(",")):
            output = os.path.join(args.data_dir, f"{model}-python-b{batch}.pt")
            warmup_end = time.perf_counter() + args.warmup_seconds
            while time.perf_counter() < warmup_end:
                fine_tune(model_file, x, y, loss_fn, batch, 1, args.lr, args.seed, output)
            loops, walls, loss = [], [], float("nan")
            for run in range(1, args.runs + 1):
                loop_s, wall_s, samples, loss = fine_tune(model_file, x, y, loss_fn, batch,
                                                          args.epochs, args.lr, args.seed, output)
                loops.append(samples / loop_s)
                walls.append(samples / wall_s)
                print(f"RUN side=python model={model} batch={batch} run={run} epochs={args.epochs}"
                      f" samples={samples} loop_samples_per_s={loops[-1]:.1f}"
                      f" wall_samples_per_s={walls[-1]:.1f} final_loss={loss:.6f}", flush=True)
            loop = statistics.median(loops)
            print(f"RESULT side=python model={model} batch={batch} runs={args.runs}"
                  f" epochs={args.epochs} loop_samples_per_s={loop:.1f}"
                  f" best_loop_samples_per_s={max(loops):.1f}"
                  f" wall_samples_per_s={statistics.median(walls):.1f}"
                  f" us_per_step={1e6 * batch / loop:.1f} final_loss={loss:.6f}", flush=True)


if __name__ == "__main__":
    main()
