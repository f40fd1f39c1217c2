#!/usr/bin/env bash
# Training throughput: the project's FineTuner (libtorch through DJL) vs the same loop in Python
# PyTorch, on the same machine, the same models, data and settings.
#
#   src/bench/train_bench.sh [options]          (from anywhere; --help lists the options)
#
# Not part of the test suite. It:
#   1. builds the runtime and the benchmark mains (mvn -o -pl src/bench -am compile), unless --no-build, and
#      resolves the runtime classpath (passed in CLASSPATH: ONNX Runtime crashes with command
#      lines over ~4 KB);
#   2. for each model and batch size, runs runtime's TrainingBenchmark (it writes the synthetic
#      dataset, fixed seed, as CSV under --work, then fine-tunes the model: one warm-up run, then
#      --runs measured runs), then src/bench/train_bench.py on the same CSV and model file with the
#      same settings. Models: model-repo/binary_classifier_torch (bce) and classifier_torch (mse
#      against one-hot targets: its output is softmax probabilities);
#   3. takes each side's median, and the ratio Java / PyTorch;
#   4. writes a markdown report (machine, settings, one row per model × batch size, Java/PyTorch
#      ratios) to docs/benchmarks/training.md (--out FILE to change).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SAMPLES=65536
BATCHES="32,256"
EPOCHS=3
WARMUP_SECONDS=10
RUNS=3
LR=0.05
SEED=42
THREADS=1
MODELS="binary_classifier_torch,classifier_torch"
BUILD=1
OUT="$ROOT/docs/benchmarks/training.md"
WORK="$ROOT/target/bench/training"
PYTHON="${PYTHON:-/usr/bin/python3}"
JAVA="${JAVA:-java}"

usage() {
  cat <<EOF
usage: src/bench/train_bench.sh [options]

  --samples N        synthetic training samples per model (default $SAMPLES)
  --batches LIST     comma list of batch sizes (default $BATCHES)
  --epochs N         epochs per measured run (default $EPOCHS)
  --warmup-seconds S 1-epoch warm-up runs for S seconds before each model and batch size's measured
                     runs, on both sides (default $WARMUP_SECONDS; the JVM needs several seconds)
  --runs N           measured runs per model and batch size; the median is reported (default $RUNS)
  --lr X             SGD learning rate (default $LR)
  --seed N           seed of the data, the shuffles and libtorch's generator (default $SEED)
  --threads N        intra-op threads on both sides: libtorch's (process-wide) and
                     torch.set_num_threads (default $THREADS; 0 = each library's default)
  --models LIST      comma list of binary_classifier_torch, classifier_torch (default both)
  --quick            --samples 8192 --epochs 1 --runs 1 --warmup-seconds 2
  --no-build         use the existing runtime/target classes
  --out FILE         report file (default docs/benchmarks/training.md; '-' for none)
  --work DIR         scratch folder for datasets, tuned models and logs (default target/bench/training)

Environment: JAVA (java binary), PYTHON (default /usr/bin/python3, needs torch and numpy).
EOF
}

ORIGINAL_ARGS="$*"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --samples) SAMPLES="$2"; shift 2 ;;
    --batches) BATCHES="$2"; shift 2 ;;
    --epochs) EPOCHS="$2"; shift 2 ;;
    --warmup-seconds) WARMUP_SECONDS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --lr) LR="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --models) MODELS="$2"; shift 2 ;;
    --quick) SAMPLES=8192; EPOCHS=1; RUNS=1; WARMUP_SECONDS=2; shift ;;
    --no-build) BUILD=0; shift ;;
    --out) OUT="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "train_bench.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

log() { printf '[train-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'train_bench.sh: ERROR: %s\n' "$*" >&2; exit 1; }

command -v "$JAVA" >/dev/null 2>&1 || die "java is missing (Java 17+ needed; set JAVA=/path/to/java)"
"$PYTHON" -c 'import torch, numpy' 2>/dev/null \
  || die "$PYTHON cannot import torch and numpy (Debian: python3-torch python3-numpy)"

LOADAVG_START="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
CP_FILE="$WORK/runtime.classpath"
if [[ $BUILD -eq 1 ]]; then
  command -v mvn >/dev/null 2>&1 || die "mvn is missing (or pass --no-build with an existing build)"
  log "building: mvn -B -o -q -pl src/bench -am compile -Dspotless.check.skip=true"
  (cd "$ROOT" && mvn -B -o -q -pl src/bench -am compile -Dspotless.check.skip=true) >&2 \
    || die "the build failed"
fi
if [[ $BUILD -eq 1 || ! -s "$CP_FILE" ]]; then
  log "resolving the runtime classpath (mvn dependency:build-classpath)"
  (cd "$ROOT" && mvn -B -o -q -pl runtime dependency:build-classpath -Dmdep.outputFile="$CP_FILE") >&2 \
    || die "mvn dependency:build-classpath failed"
fi
[[ -d "$ROOT/src/bench/target/classes/org/modelserver/bench" ]] \
  || die "src/bench/target/classes is missing; run without --no-build"
RUNTIME_CP="$ROOT/runtime/target/classes:$ROOT/src/bench/target/classes:$(cat "$CP_FILE")"

COMMON=(--samples "$SAMPLES" --epochs "$EPOCHS" --warmup-seconds "$WARMUP_SECONDS" --runs "$RUNS"
  --lr "$LR" --seed "$SEED" --threads "$THREADS")
JAVA_LOG="$WORK/java.log"
PYTHON_LOG="$WORK/python.log"
: >"$JAVA_LOG"
: >"$PYTHON_LOG"
# The two sides take turns per model and batch size, so that a change in the machine's other load
# during the run weighs on both alike rather than on whichever side ran last.
for model in ${MODELS//,/ }; do
  for batch in ${BATCHES//,/ }; do
    log "$model, batch $batch: Java TrainingBenchmark (log: ${JAVA_LOG#"$ROOT"/})"
    (cd "$ROOT" && CLASSPATH="$RUNTIME_CP" "$JAVA" org.modelserver.bench.TrainingBenchmark \
      --model-repo model-repo --data-dir "$WORK" --models "$model" --batches "$batch" "${COMMON[@]}") \
      >>"$JAVA_LOG" 2>&1 \
      || { tail -30 "$JAVA_LOG" >&2; die "TrainingBenchmark failed (log: $JAVA_LOG)"; }
    grep -E "^RESULT side=java model=$model batch=$batch " "$JAVA_LOG" | sed 's/^/    /' >&2
    log "$model, batch $batch: Python train_bench.py (log: ${PYTHON_LOG#"$ROOT"/})"
    (cd "$ROOT" && "$PYTHON" src/bench/train_bench.py --model-repo model-repo --data-dir "$WORK" \
      --models "$model" --batches "$batch" "${COMMON[@]}") >>"$PYTHON_LOG" 2>&1 \
      || { tail -30 "$PYTHON_LOG" >&2; die "train_bench.py failed (log: $PYTHON_LOG)"; }
    grep -E "^RESULT side=python model=$model batch=$batch " "$PYTHON_LOG" | sed 's/^/    /' >&2
  done
done

# field LINE KEY: the value of KEY=value in a machine-readable line.
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }
result() { grep -E "^RESULT side=$1 model=$2 batch=$3 " "$4" | tail -1; }
# num X: a rate rounded to an integer, or – when missing.
num() { awk -v x="$1" 'BEGIN { if (x == "") print "–"; else printf "%.0f", x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b + 0 == 0) print "–"; else printf "%.2f", a / b }'; }

java_info="$(grep '^INFO side=java libtorch=' "$JAVA_LOG" | tail -1)"
python_info="$(grep '^INFO side=python torch=' "$PYTHON_LOG" | tail -1)"
cpu_model="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -1)"
[[ -n "$cpu_model" ]] || cpu_model="$(uname -m)"
java_version="$("$JAVA" -version 2>&1 | head -1)"
os_name="$( (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") || uname -sr)"
djl_engine="$({ tr ':' '\n' <"$CP_FILE" | grep -o 'pytorch-engine-[0-9][^/]*\.jar' || true; } | head -1 | sed 's/\.jar$//')"
commit="$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(cd "$ROOT" && git --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null || true)" ]]; then
  commit="$commit (with uncommitted changes)"
fi

report() {
  echo "# Benchmark: fine-tuning samples/s, Java (FineTuner on libtorch via DJL) vs Python PyTorch"
  echo
  echo "Generated by \`src/bench/train_bench.sh${ORIGINAL_ARGS:+ $ORIGINAL_ARGS}\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit."
  echo
  echo "## Machine"
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| CPU | $cpu_model |"
  echo "| Cores (\`nproc\`) | $(nproc) |"
  echo "| OS | $os_name |"
  echo "| Java | $java_version |"
  echo "| Java side | libtorch $(field "$java_info" libtorch) through DJL ${djl_engine:-unknown}; intra-op threads $(field "$java_info" threads), inter-op $(field "$java_info" interop_threads) |"
  echo "| Python side | torch $(field "$python_info" torch) (Debian), Python $(field "$python_info" python); intra-op threads $(field "$python_info" threads), inter-op $(field "$python_info" interop_threads) |"
  echo "| Load average (1, 5, 15 min) | $LOADAVG_START at the start, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) at the end |"
  echo
  if awk -v l="${LOADAVG_START%% *}" -v n="$(nproc)" 'BEGIN { exit !(l + 0 > n / 2) }' 2>/dev/null; then
    echo "**Warning:** the machine was already busy when the run started (1-minute load average"
    echo "${LOADAVG_START%% *} on $(nproc) cores): other processes competed for the CPU, so these numbers are noisy."
    echo
  fi
  echo "## Settings"
  echo
  echo "$SAMPLES synthetic samples per model (standard normal features, seed $SEED, written once as CSV"
  echo "and read by both sides), SGD lr $LR (no momentum, no weight decay), a new shuffle each epoch,"
  echo "no validation split. Per model and batch size, each side in a fresh process, the two sides"
  echo "taking turns: 1-epoch warm-up runs for $WARMUP_SECONDS s, then $RUNS measured run(s) of $EPOCHS"
  echo "epochs, each from the base model file; medians shown."
  echo
  echo "- binary_classifier_torch (Linear(2, 8) + ReLU, Linear(8, 1), sigmoid): loss bce; label 1"
  echo "  when the two features have the same sign."
  echo "- classifier_torch (MLP 4 → 16 → 3, softmax): its output is probabilities, not logits, so"
  echo "  cross_entropy (a log-softmax on top) would not fit; loss mse against one-hot targets, the"
  echo "  class being the argmax of a fixed random linear map of the features."
  echo
  echo "## Results"
  echo
  echo "Loop: samples over the epochs only (Java: \`FineTuneResult.samplesPerSecond()\`), median of"
  echo "the measured runs; best runs: the ratio of each side's fastest run, the least disturbed by"
  echo "other load. µs/step: batch size over the median loop samples/s. Wall: samples over the whole"
  echo "run (loading the model, the epochs, writing the tuned TorchScript file)."
  echo
  echo "| Model | Batch | Java loop samples/s | PyTorch loop samples/s | Java / PyTorch (loop) | Java / PyTorch (best runs) | Java µs/step | PyTorch µs/step | Java wall samples/s | PyTorch wall samples/s | Java / PyTorch (wall) | Final train loss Java / PyTorch |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  local model batch j p
  for model in ${MODELS//,/ }; do
    for batch in ${BATCHES//,/ }; do
      j="$(result java "$model" "$batch" "$JAVA_LOG")"
      p="$(result python "$model" "$batch" "$PYTHON_LOG")"
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s |\n' "$model" "$batch" \
        "$(num "$(field "$j" loop_samples_per_s)")" "$(num "$(field "$p" loop_samples_per_s)")" \
        "$(ratio "$(field "$j" loop_samples_per_s)" "$(field "$p" loop_samples_per_s)")" \
        "$(ratio "$(field "$j" best_loop_samples_per_s)" "$(field "$p" best_loop_samples_per_s)")" \
        "$(field "$j" us_per_step)" "$(field "$p" us_per_step)" \
        "$(num "$(field "$j" wall_samples_per_s)")" "$(num "$(field "$p" wall_samples_per_s)")" \
        "$(ratio "$(field "$j" wall_samples_per_s)" "$(field "$p" wall_samples_per_s)")" \
        "$(field "$j" final_loss)" "$(field "$p" final_loss)"
    done
  done
  echo
  echo "Per-run lines: \`${JAVA_LOG#"$ROOT"/}\` and \`${PYTHON_LOG#"$ROOT"/}\`."
  echo
  echo "## What differs between the two loops"
  echo
  echo "- libtorch versions: the Java side runs libtorch $(field "$java_info" libtorch) (DJL's build), the Python"
  echo "  side Debian's torch $(field "$python_info" torch) (generic BLAS, no MKL). Both load the same TorchScript files."
  echo "- Per-step work outside the model: each Java step copies the batch into direct buffers"
  echo "  reused for the whole run, wraps them as the input and target tensors through JNI in a"
  echo "  fresh NDManager scope, checks the output's shape, reads the loss back and runs backward"
  echo "  with a seed gradient made once per run; DJL's SGD then updates each trained parameter"
  echo "  through one cached gradient handle (\`ParameterUpdates\`: two JNI calls per"
  echo "  parameter, where DJL's \`Trainer.step()\` also fetched, cloned and deleted every gradient)."
  echo "  Every tensor op is a JNI call. Python indexes preloaded tensors and uses"
  echo "  \`torch.optim.SGD\` (one Python loop over two or four parameters). DJL's native SGD update"
  echo "  still runs five tensor ops per parameter (a clone of the gradient, weight decay, the rate,"
  echo "  the subtraction, then zeroing) where PyTorch runs two (\`add_\`, then \`zero_\`)."
  echo "- Losses: both sides run PyTorch's own fused loss (\`binary_cross_entropy\`, \`mse_loss\`):"
  echo "  the Java side calls it as a TorchScript module that \`runtime/scripts/export_losses.py\`"
  echo "  exported with torch 1.13 (one module call, a few JNI calls, and one autograd node per"
  echo "  step). Before, the Java side composed bce from 14 elementwise NDArray ops (21 before issue"
  echo "  15), each a JNI call and an autograd node, and the bce rows ran at 0.57-0.62 of PyTorch."
  echo "- Warm-up: in a fresh JVM the first thousands of steps run up to 4× slower (most likely the"
  echo "  JVM's JIT still compiling the DJL and FineTuner path), so each side warms up for ${WARMUP_SECONDS} s before measuring; with a"
  echo "  single 1-epoch warm-up run the Java figures came out far too low."
  echo "- The shuffles use different generators (\`java.util.Random\` vs \`torch.randperm\`), so the"
  echo "  losses agree closely but not exactly; the initial weights, data and learning rate are the same."
  echo "- For MLPs this small every step is dominated by per-op overhead, not arithmetic, so these"
  echo "  figures measure framework overhead: the ratio says how much the JVM/DJL path costs per"
  echo "  step, not how fast libtorch computes."
}

REPORT="$(report)"
echo
echo "$REPORT"
if [[ "$OUT" != "-" ]]; then
  mkdir -p "$(dirname "$OUT")"
  printf '%s\n' "$REPORT" >"$OUT"
  log "report written to $OUT"
fi
