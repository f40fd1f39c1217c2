#!/usr/bin/env bash
# Benchmark harness: the packaged server under load vs the engine's own in-process ceiling.
#
#   src/bench/run.sh [options]          (from anywhere; --help lists the options)
#
# Not part of the test suite. It:
#   1. builds the server jar and the benchmark mains of src/bench (mvn package -DskipTests), unless
#      --no-build;
#   2. exports the benchmark CNN (a hand-written ResNet-18, ONNX and TorchScript) with
#      model-repo/export_models.py --bench-models, and generates model repositories under
#      target/bench/ (copies of model-repo/classifier and classifier_torch with config.yaml
#      variants);
#   3. measures the engine's ceiling in-process (runtime's EngineBenchmark: OnnxEngine or
#      TorchEngine, no server, batch sizes 1, 2, 4, ... up to max_batch_size, best one kept);
#   4. starts the server jar on a free port for each scenario, waits for /v2/health/ready,
#      checks one request, warms up, then drives it with wrk (64 connections, 2 threads,
#      batch-1 requests by default) and records requests/s and p50/p99 latency;
#   5. runs the same MLP and CNN requests against the FastAPI + TorchScript peer
#      (src/bench/peer/fastapi_peer.py under uvicorn, --peer-workers processes, and once with one
#      worker for the MLP), same wrk settings: the CNN rows, server and peer, at --cnn-connections;
#   6. times the server's start to ready on model-repo/ (default warm-up), runs src/bench/cold.sh
#      (first 10 s after ready vs warm, per start-up option) and src/bench/train_bench.sh (the
#      trainer vs PyTorch);
#   7. prints a markdown report (machine, parameters, results, server/in-process ratios, the peer,
#      cold start, training, and each performance target met or not) and writes it to
#      docs/benchmarks/latest.md (--out FILE to change); then runs the load/unload soak (soak.sh).
#
# Scenarios (ONNX): mlp-nobatch (classifier, its example config: no dynamic_batching),
# mlp-batching (classifier + dynamic_batching {max_queue_delay_microseconds: 0} + instance_group
# [{count: 1, kind: KIND_CPU}]), cnn (resnet18 + dynamic_batching). TorchScript, the same models
# and configs: mlp-torch (classifier_torch, as mlp-batching), cnn-torch (resnet18_torch, as cnn).
# The same ONNX repositories over other transports: mlp-binary, cnn-binary (REST with the binary
# tensor data extension) and mlp-grpc, cnn-grpc (gRPC ModelInfer with raw_input_contents, driven
# by h2load; one call is checked first with a real gRPC client, src/bench/java/.../GrpcSmoke,
# since h2load counts a gRPC error status as a success).
# With --batching auto (default) the batching scenarios are reported as unsupported when the
# server refuses their config. A TorchScript scenario that fails (libtorch cannot start, the model
# is UNAVAILABLE, ...) is reported as "not run" with the reason, the other scenarios still run, and
# the script exits with status 1 after writing the report; so is a gRPC scenario that fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="$ROOT/src/bench"

# ----------------------------------------------------------------------------- options
# The JIT needs about 25 s of load on 2 cores before the server reaches its steady state.
WARMUP=30
DURATION=15
CONNECTIONS=64
# The CNN runs compute-bound at a few hundred ms per batch: 8 connections keep its batches full
# without minutes-long queues, and are the peer comparison's setting.
CNN_CONNECTIONS=8
PEER=1
PEER_WORKERS="$(nproc)"
PEER_TORCH_THREADS=1
COLD=1
WRK_THREADS=2
WRK_TIMEOUT=60
ENGINE_SECONDS=3
ENGINE_WARMUP=1
ENGINE_THREADS=0
MODELS="mlp,cnn"
ENGINES="onnx,torch"
BATCHING=auto
QUEUE_DELAY_US=0
REQUEST_BATCH=1
BUILD=1
OUT="$ROOT/docs/benchmarks/latest.md"
WORK="$ROOT/target/bench"
PYTHON="${PYTHON:-/usr/bin/python3}"
JAVA="${JAVA:-java}"
JAVA_OPTS="${JAVA_OPTS:-}"
SERVER_ARGS="${SERVER_ARGS:-}"
READY_TIMEOUT=180

usage() {
  cat <<EOF
usage: src/bench/run.sh [options]

  --quick                 short run: --warmup 2 --duration 5 --engine-seconds 1
  --warmup S              load-generator warm-up seconds per scenario (default $WARMUP)
  --duration S            measured seconds per scenario (default $DURATION)
  --connections N         concurrent HTTP connections (default $CONNECTIONS); for gRPC, HTTP/2
                          connections with one stream each
  --cnn-connections N     connections for the CNN scenarios and the CNN peer (default $CNN_CONNECTIONS)
  --no-peer               skip the FastAPI + TorchScript peer (src/bench/peer/fastapi_peer.py)
  --peer-workers N        uvicorn worker processes of the peer (default nproc: $PEER_WORKERS)
  --peer-torch-threads N  torch.set_num_threads in each peer worker (default $PEER_TORCH_THREADS; 0 = torch's default)
  --no-cold               skip the cold-start comparison (src/bench/cold.sh)
  --wrk-threads N         wrk threads, and h2load threads for gRPC (default $WRK_THREADS)
  --wrk-timeout S         per-request timeout; slower requests count as errors (default $WRK_TIMEOUT)
  --request-batch N       inferences per request (batch dimension of the body, default $REQUEST_BATCH)
  --engine-seconds S      in-process seconds per batch size (default $ENGINE_SECONDS)
  --engine-threads N      in-process intra-op threads, 0 = the engine's default (default $ENGINE_THREADS);
                          for libtorch this is its process-wide thread count
  --models LIST           comma list of mlp, cnn (default $MODELS)
  --engines LIST          comma list of onnx, torch (default $ENGINES): onnx runs mlp-nobatch,
                          mlp-batching, mlp-binary, mlp-grpc, cnn, cnn-binary, cnn-grpc; torch
                          runs mlp-torch, cnn-torch
                          (*-binary: REST with the binary tensor data extension; *-grpc: gRPC
                          ModelInfer with raw_input_contents, load from h2load)
  --batching MODE         auto | on | off: the MLP scenarios with dynamic_batching (mlp-batching,
                          mlp-torch, mlp-binary, mlp-grpc); auto skips mlp-batching and mlp-grpc
                          with a note when the server refuses their config, on fails instead,
                          off skips them all (default $BATCHING)
  --queue-delay-us N      max_queue_delay_microseconds of the batching scenarios (default $QUEUE_DELAY_US)
  --no-build              use the existing server/target/model-server.jar, runtime/target and
                          server/target classes
  --out FILE              report file (default docs/benchmarks/latest.md; '-' for none)
  --work DIR              scratch folder for repositories, logs, bodies (default target/bench)

Environment: JAVA (java binary), JAVA_OPTS (server JVM options), SERVER_ARGS (extra server
arguments, e.g. --intra-op-threads=1 --torch-threads=1), PYTHON (default /usr/bin/python3, needs
torch + onnx for cnn).
EOF
}

ORIGINAL_ARGS="$*"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) WARMUP=2; DURATION=5; ENGINE_SECONDS=1; ENGINE_WARMUP=0.5; shift ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --wrk-threads) WRK_THREADS="$2"; shift 2 ;;
    --cnn-connections) CNN_CONNECTIONS="$2"; shift 2 ;;
    --no-peer) PEER=0; shift ;;
    --peer-workers) PEER_WORKERS="$2"; shift 2 ;;
    --peer-torch-threads) PEER_TORCH_THREADS="$2"; shift 2 ;;
    --no-cold) COLD=0; shift ;;
    --wrk-timeout) WRK_TIMEOUT="$2"; shift 2 ;;
    --request-batch) REQUEST_BATCH="$2"; shift 2 ;;
    --engine-seconds) ENGINE_SECONDS="$2"; shift 2 ;;
    --engine-threads) ENGINE_THREADS="$2"; shift 2 ;;
    --models) MODELS="$2"; shift 2 ;;
    --engines) ENGINES="$2"; shift 2 ;;
    --batching) BATCHING="$2"; shift 2 ;;
    --queue-delay-us) QUEUE_DELAY_US="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --out) OUT="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$BATCHING" in auto|on|off) ;; *) echo "run.sh: --batching must be auto, on or off" >&2; exit 2 ;; esac
for m in ${MODELS//,/ }; do
  case "$m" in mlp|cnn) ;; *) echo "run.sh: unknown model '$m' in --models (mlp, cnn)" >&2; exit 2 ;; esac
done
[[ -n "${MODELS//[ ,]/}" ]] || { echo "run.sh: --models is empty" >&2; exit 2; }
for e in ${ENGINES//,/ }; do
  case "$e" in onnx|torch) ;; *) echo "run.sh: unknown engine '$e' in --engines (onnx, torch)" >&2; exit 2 ;; esac
done
[[ -n "${ENGINES//[ ,]/}" ]] || { echo "run.sh: --engines is empty" >&2; exit 2; }
want() { [[ ",$MODELS," == *",$1,"* ]]; }
want_engine() { [[ ",$ENGINES," == *",$1,"* ]]; }
# want_pair MODEL ENGINE: both selected.
want_pair() { want "$1" && want_engine "$2"; }
# The gRPC scenarios: mlp-grpc (mlp-batching's repository) and cnn-grpc (cnn's).
WANT_GRPC=0
if { want_pair mlp onnx && [[ "$BATCHING" != off ]]; } || want_pair cnn onnx; then WANT_GRPC=1; fi

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'run.sh: ERROR: %s\n' "$*" >&2; exit 1; }

# ----------------------------------------------------------------------------- cleanup
SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

# ----------------------------------------------------------------------------- prerequisites
need_cmd() { command -v "$1" >/dev/null 2>&1; }
if ! need_cmd wrk; then
  if [[ $(id -u) -eq 0 ]] && need_cmd apt-get; then
    log "wrk is missing: installing the Debian package"
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y wrk >/dev/null 2>&1; } \
      || die "wrk is missing and 'apt-get install -y wrk' failed; install wrk (https://github.com/wg/wrk)"
  else
    die "wrk is missing; install it (Debian/Ubuntu: sudo apt-get install -y wrk)"
  fi
fi
if ((WANT_GRPC)) && ! need_cmd h2load; then
  if [[ $(id -u) -eq 0 ]] && need_cmd apt-get; then
    log "h2load is missing: installing the Debian package nghttp2-client"
    apt-get install -y nghttp2-client >/dev/null 2>&1 \
      || { apt-get update >/dev/null 2>&1 && apt-get install -y nghttp2-client >/dev/null 2>&1; } \
      || die "h2load is missing and 'apt-get install -y nghttp2-client' failed; install h2load (nghttp2) or run with --engines torch"
  else
    die "h2load is missing, needed for the gRPC scenarios; install it (Debian/Ubuntu: sudo apt-get install -y nghttp2-client)"
  fi
fi
need_cmd curl || die "curl is missing (Debian: apt-get install -y curl)"
need_cmd "$JAVA" || die "java is missing (Java 17+ needed; set JAVA=/path/to/java)"
[[ -x "$PYTHON" ]] || need_cmd "$PYTHON" || die "python3 not found at $PYTHON (set PYTHON=...)"
# The peer: FastAPI and uvicorn from Debian (uvloop and httptools too, as uvicorn[standard] has).
PEER_NOTE=""
if ((PEER)); then
  if ! "$PYTHON" -c 'import fastapi, uvicorn, torch' 2>/dev/null && [[ $(id -u) -eq 0 ]] && need_cmd apt-get; then
    log "FastAPI or uvicorn is missing: installing python3-fastapi python3-uvicorn python3-uvloop python3-httptools"
    apt-get install -y python3-fastapi python3-uvicorn python3-uvloop python3-httptools >/dev/null 2>&1 \
      || { apt-get update >/dev/null 2>&1 \
        && apt-get install -y python3-fastapi python3-uvicorn python3-uvloop python3-httptools >/dev/null 2>&1; } || true
  fi
  if ! "$PYTHON" -c 'import fastapi, uvicorn, torch' 2>/dev/null; then
    PEER_NOTE="not run: $PYTHON cannot import fastapi, uvicorn and torch (Debian: python3-fastapi python3-uvicorn python3-torch)"
    PEER=0
    log "the peer is skipped: $PEER_NOTE"
  fi
fi
if want cnn; then
  "$PYTHON" -c 'import torch, onnx' 2>/dev/null \
    || die "$PYTHON cannot import torch and onnx, needed to export the CNN (Debian: python3-torch python3-onnx), or run with --models mlp"
fi

LOADAVG_START="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
JAR="$ROOT/server/target/model-server.jar"

# ----------------------------------------------------------------------------- build
if [[ $BUILD -eq 1 ]]; then
  need_cmd mvn || die "mvn is missing (or pass --no-build with an existing build)"
  log "building: mvn -B -q package -DskipTests -Dspotless.check.skip=true"
  (cd "$ROOT" && mvn -B -q package -DskipTests -Dspotless.check.skip=true) \
    || die "the build failed (see above)"
fi
[[ -f "$JAR" ]] || die "$JAR is missing; run without --no-build"
[[ -f "$ROOT/src/bench/target/classes/org/modelserver/bench/EngineBenchmark.class" ]] \
  || die "EngineBenchmark is not compiled (src/bench/target/classes); run without --no-build"
CP_FILE="$WORK/runtime.classpath"
if [[ $BUILD -eq 1 || ! -s "$CP_FILE" || "$ROOT/runtime/pom.xml" -nt "$CP_FILE" || "$ROOT/pom.xml" -nt "$CP_FILE" ]]; then
  need_cmd mvn || die "mvn is missing (needed once to resolve the runtime classpath)"
  log "resolving the runtime classpath (mvn dependency:build-classpath)"
  (cd "$ROOT" && { mvn -B -o -q -pl runtime dependency:build-classpath -Dmdep.outputFile="$CP_FILE" \
      || mvn -B -q -pl runtime dependency:build-classpath -Dmdep.outputFile="$CP_FILE"; }) >&2 \
    || die "could not resolve the runtime classpath"
fi
ENGINE_CP="$ROOT/runtime/target/classes:$ROOT/src/bench/target/classes:$(cat "$CP_FILE")"
# The gRPC tools (GrpcBody writes the request bodies, GrpcSmoke checks one call) run on the server
# module's classpath (for the gRPC libraries) with the bench classes, passed in CLASSPATH: a long -cp can exceed what native libraries accept.
if ((WANT_GRPC)); then
  [[ -f "$ROOT/src/bench/target/classes/org/modelserver/bench/GrpcSmoke.class" ]] \
    || die "GrpcBody/GrpcSmoke are not compiled (src/bench/target/classes); run without --no-build"
  SERVER_CP_FILE="$WORK/server.classpath"
  if [[ $BUILD -eq 1 || ! -s "$SERVER_CP_FILE" || "$ROOT/server/pom.xml" -nt "$SERVER_CP_FILE" || "$ROOT/pom.xml" -nt "$SERVER_CP_FILE" ]]; then
    need_cmd mvn || die "mvn is missing (needed once to resolve the server classpath)"
    log "resolving the server classpath (mvn dependency:build-classpath)"
    (cd "$ROOT" && { mvn -B -o -q -pl server dependency:build-classpath -Dmdep.outputFile="$SERVER_CP_FILE" \
        || mvn -B -q -pl server dependency:build-classpath -Dmdep.outputFile="$SERVER_CP_FILE"; }) >&2 \
      || die "could not resolve the server classpath"
  fi
  GRPC_CP="$ROOT/src/bench/target/classes:$(cat "$SERVER_CP_FILE")"
fi
grpc_tool() { CLASSPATH="$GRPC_CP" "$JAVA" "org.modelserver.bench.$1" "${@:2}"; }

# ----------------------------------------------------------------------------- models and repositories
REPOS="$WORK/repos"
rm -rf "$REPOS"
mkdir -p "$REPOS"
CLASSIFIER_SRC="$ROOT/model-repo/classifier"
CLASSIFIER_TORCH_SRC="$ROOT/model-repo/classifier_torch"
# mlp_repo SCENARIO SOURCE-DIR MODEL [batching]: a copy of the example model without its
# reference.json and without its config's dynamic_batching line; with "batching", plus
# dynamic_batching and one CPU instance.
mlp_repo() {
  local dir="$REPOS/$1/$3"
  [[ -f "$2/config.yaml" ]] || die "$2/config.yaml is missing"
  mkdir -p "$REPOS/$1"
  cp -r "$2" "$dir"
  rm -f "$dir/reference.json"
  sed -i '/^dynamic_batching:/d' "$dir/config.yaml"
  if [[ "${4:-}" == batching ]]; then
    cat >>"$dir/config.yaml" <<EOF
dynamic_batching:
  max_queue_delay_microseconds: $QUEUE_DELAY_US
instance_group:
  - count: 1
    kind: KIND_CPU
EOF
  fi
}
if want_pair mlp onnx; then
  # Both ONNX scenarios start from the example config without its dynamic_batching line.
  mlp_repo mlp-nobatch "$CLASSIFIER_SRC" classifier
  mlp_repo mlp-batching "$CLASSIFIER_SRC" classifier batching
fi
if want_pair mlp torch; then
  # The TorchScript classifier with mlp-batching's config.
  mlp_repo mlp-torch "$CLASSIFIER_TORCH_SRC" classifier_torch batching
fi
# cnn_repo SCENARIO MODEL: the exported model plus dynamic_batching.
cnn_repo() {
  mkdir -p "$REPOS/$1"
  cp -r "$BENCH_MODELS/$2" "$REPOS/$1/$2"
  cat >>"$REPOS/$1/$2/config.yaml" <<CONFIG
dynamic_batching:
  max_queue_delay_microseconds: $QUEUE_DELAY_US
CONFIG
}
if want cnn; then
  BENCH_MODELS="$WORK/models"
  # One export writes both resnet18 (ONNX) and resnet18_torch (TorchScript, same weights).
  EXPORTED=()
  want_engine onnx && EXPORTED+=("$BENCH_MODELS/resnet18/1/model.onnx")
  { want_engine torch || ((PEER)); } && EXPORTED+=("$BENCH_MODELS/resnet18_torch/1/model.pt")
  export_needed=0
  for f in "${EXPORTED[@]}"; do
    [[ -f "$f" && ! "$ROOT/model-repo/export_models.py" -nt "$f" ]] || export_needed=1
  done
  if [[ $export_needed -eq 1 ]]; then
    log "exporting the benchmark CNN: model-repo/export_models.py --bench-models $BENCH_MODELS"
    "$PYTHON" "$ROOT/model-repo/export_models.py" --bench-models "$BENCH_MODELS" >"$WORK/export.log" 2>&1 \
      || { tail -20 "$WORK/export.log" >&2; die "exporting the CNN failed (log: $WORK/export.log)"; }
  fi
  for f in "${EXPORTED[@]}"; do
    [[ -f "$f" ]] || die "the export did not write $f (log: $WORK/export.log)"
  done
  if want_engine onnx; then cnn_repo cnn resnet18; fi
  if want_engine torch; then cnn_repo cnn-torch resnet18_torch; fi
fi

# Request bodies (batch dimension = --request-batch).
BODIES="$WORK/bodies"
mkdir -p "$BODIES"
if want mlp; then
  "$PYTHON" "$BENCH_DIR/make_body.py" "$BODIES/classifier.json" features FP32 "$REQUEST_BATCH" 4
fi
if want cnn; then
  "$PYTHON" "$BENCH_DIR/make_body.py" "$BODIES/resnet18.json" image FP32 "$REQUEST_BATCH" 3 224 224
  "$PYTHON" "$BENCH_DIR/make_body.py" --binary "$BODIES/resnet18.bin" image FP32 "$REQUEST_BATCH" 3 224 224
fi
if want mlp; then
  "$PYTHON" "$BENCH_DIR/make_body.py" --binary "$BODIES/classifier.bin" features FP32 "$REQUEST_BATCH" 4
fi
# gRPC bodies: the gRPC message prefix and a serialized ModelInferRequest (raw_input_contents).
if want_pair mlp onnx && [[ "$BATCHING" != off ]]; then
  grpc_tool GrpcBody "$BODIES/classifier.grpc" classifier features "$REQUEST_BATCH" 4 >/dev/null \
    || die "GrpcBody failed to write $BODIES/classifier.grpc"
fi
if want_pair cnn onnx; then
  grpc_tool GrpcBody "$BODIES/resnet18.grpc" resnet18 image "$REQUEST_BATCH" 3 224 224 >/dev/null \
    || die "GrpcBody failed to write $BODIES/resnet18.grpc"
fi

max_batch_of() { sed -n 's/^max_batch_size:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$1" | head -1; }

# ----------------------------------------------------------------------------- in-process ceiling
# TorchScript failures are reported, not fatal (libtorch may be unable to start on this machine).
TORCH_FAILED=0 # set by TorchScript and gRPC failures, which do not stop the run
declare -A ENGINE_IPS ENGINE_BATCH ENGINE_MS ENGINE_NOTE
engine_bench() { # key model-file max-batch model-dir: the folder with config.yaml (TorchScript)
  local key="$1" file="$2" maxb="$3" dir="$4" out="$WORK/engine-$1.log" args=()
  [[ "$file" == *.pt ]] && args=(--config "$dir")
  log "in-process ceiling of $key: EngineBenchmark, batch 1..$maxb, ${ENGINE_SECONDS}s each"
  if ! "$JAVA" -cp "$ENGINE_CP" org.modelserver.bench.EngineBenchmark --model "$file" --name "$key" \
    "${args[@]}" --max-batch "$maxb" --seconds "$ENGINE_SECONDS" --warmup "$ENGINE_WARMUP" \
    --threads "$ENGINE_THREADS" >"$out" 2>&1; then
    tail -30 "$out" >&2
    if [[ "$file" == *.pt ]]; then
      local reason
      reason="$(sed -n 's/^ERROR //p' "$out" | tail -1)"
      ENGINE_NOTE[$key]="in-process run failed: ${reason:-see ${out#"$ROOT"/}}"
      TORCH_FAILED=1
      log "EngineBenchmark failed for $key (log: $out); going on"
      return 0
    fi
    die "EngineBenchmark failed for $key (log: $out)"
  fi
  sed 's/^/    /' "$out" >&2
  local result
  result="$(grep '^RESULT ' "$out" | tail -1)"
  [[ -n "$result" ]] || die "EngineBenchmark printed no RESULT line (log: $out)"
  ENGINE_BATCH[$key]="$(sed 's/.*best_batch=\([0-9]*\).*/\1/' <<<"$result")"
  ENGINE_IPS[$key]="$(sed 's/.*inferences_per_s=\([0-9.]*\).*/\1/' <<<"$result")"
  ENGINE_MS[$key]="$(sed 's/.*mean_ms=\([0-9.]*\).*/\1/' <<<"$result")"
}
latest_version() { (cd "$1" && ls -d [1-9]* | sort -n | tail -1); }
if want_pair mlp onnx; then
  MLP_VERSION="$(latest_version "$CLASSIFIER_SRC")"
  engine_bench classifier "$CLASSIFIER_SRC/$MLP_VERSION/model.onnx" \
    "$(max_batch_of "$CLASSIFIER_SRC/config.yaml")" "$CLASSIFIER_SRC"
fi
if want_pair mlp torch; then
  MLP_TORCH_VERSION="$(latest_version "$CLASSIFIER_TORCH_SRC")"
  engine_bench classifier_torch "$CLASSIFIER_TORCH_SRC/$MLP_TORCH_VERSION/model.pt" \
    "$(max_batch_of "$CLASSIFIER_TORCH_SRC/config.yaml")" "$CLASSIFIER_TORCH_SRC"
fi
if want_pair cnn onnx; then
  engine_bench resnet18 "$REPOS/cnn/resnet18/1/model.onnx" \
    "$(max_batch_of "$REPOS/cnn/resnet18/config.yaml")" "$REPOS/cnn/resnet18"
fi
if want_pair cnn torch; then
  engine_bench resnet18_torch "$REPOS/cnn-torch/resnet18_torch/1/model.pt" \
    "$(max_batch_of "$REPOS/cnn-torch/resnet18_torch/config.yaml")" "$REPOS/cnn-torch/resnet18_torch"
fi

# ----------------------------------------------------------------------------- server runs
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# start_server repo-dir log-file [grpc]; sets PORT, GRPC_PORT, SERVER_PID. Returns 0 when ready, 3
# when the server runs but is not ready (a model UNAVAILABLE; READY_BODY holds the reason), 4 when
# it exited during startup, 5 when it was not live in time (START_ERROR says which). With "grpc"
# the gRPC API listens on a free port GRPC_PORT (on 127.0.0.1); otherwise on any free port (0), so
# that nothing else on 8001 gets in the way.
READY_BODY=""
START_ERROR=""
start_server() {
  local repo="$1" slog="$2" deadline code
  PORT="$(free_port)"
  GRPC_PORT=0
  if [[ "${3:-}" == grpc ]]; then
    GRPC_PORT="$(free_port)"
    while [[ "$GRPC_PORT" == "$PORT" ]]; do GRPC_PORT="$(free_port)"; done
  fi
  # shellcheck disable=SC2086
  "$JAVA" $JAVA_OPTS -jar "$JAR" --model-repository="$repo" --http-port="$PORT" --http-address=127.0.0.1 \
    --grpc-port="$GRPC_PORT" --grpc-address=127.0.0.1 --management-port=-1 --grpc-management-port=-1 \
    $SERVER_ARGS >"$slog" 2>&1 &
  SERVER_PID=$!
  deadline=$((SECONDS + READY_TIMEOUT))
  while :; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      tail -30 "$slog" >&2
      wait "$SERVER_PID" 2>/dev/null || true
      SERVER_PID=""
      START_ERROR="the server exited during startup (log: ${slog#"$ROOT"/})"
      return 4
    fi
    code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v2/health/live" || true)"
    [[ "$code" == 200 ]] && break
    if ((SECONDS >= deadline)); then
      START_ERROR="the server was not live after ${READY_TIMEOUT}s (log: ${slog#"$ROOT"/})"
      return 5
    fi
    sleep 0.3
  done
  # Models load before the port opens, so readiness is settled once live, but for the server
  # warm-up (--warmup-seconds), which runs after it: wait for it to end, then retry briefly.
  local tries=0
  while ((tries < 10)); do
    READY_BODY="$(curl -s -w ' HTTP %{http_code}' "http://127.0.0.1:$PORT/v2/health/ready" || true)"
    [[ "$READY_BODY" == *"HTTP 200" ]] && return 0
    if [[ "$READY_BODY" != *"warming up"* ]] || ((SECONDS >= deadline)); then tries=$((tries + 1)); fi
    sleep 0.1
  done
  return 3
}

# start_peer log-file workers model=path...: the FastAPI + TorchScript peer on a free port; sets
# PORT and SERVER_PID. Returns 0 when /v2/health/ready answers, 4 when it exited, 5 when it timed out.
start_peer() {
  local slog="$1" workers="$2" models deadline
  shift 2
  models="$(IFS=,; echo "$*")"
  PORT="$(free_port)"
  PEER_MODELS="$models" PEER_TORCH_THREADS="$PEER_TORCH_THREADS" "$PYTHON" -m uvicorn fastapi_peer:app \
    --app-dir "$BENCH_DIR/peer" --host 127.0.0.1 --port "$PORT" --workers "$workers" \
    --log-level warning --no-access-log >"$slog" 2>&1 &
  SERVER_PID=$!
  deadline=$((SECONDS + READY_TIMEOUT))
  until curl -sf -o /dev/null "http://127.0.0.1:$PORT/v2/health/ready"; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      tail -30 "$slog" >&2
      wait "$SERVER_PID" 2>/dev/null || true
      SERVER_PID=""
      START_ERROR="the peer exited during startup (log: ${slog#"$ROOT"/})"
      return 4
    fi
    ((SECONDS < deadline)) || { START_ERROR="the peer was not ready after ${READY_TIMEOUT}s"; return 5; }
    sleep 0.3
  done
  # Every worker loads the models before it accepts; give the last ones a moment.
  sleep 2
}

declare -A RES_RPS RES_IPS RES_P50 RES_P90 RES_P99 RES_MEAN RES_ERR RES_NOTE RES_REQS
is_torch() { [[ "$1" == *-torch || "$1" == peer-* ]]; }
is_grpc() { [[ "$1" == *-grpc ]]; }
is_peer() { [[ "$1" == peer-* ]]; }
# conns_of key: the connections a scenario runs with.
conns_of() { if [[ "$1" == cnn* || "$1" == peer-cnn ]]; then echo "$CNN_CONNECTIONS"; else echo "$CONNECTIONS"; fi; }
# scenario_failed key message: a TorchScript or gRPC scenario is reported as not run (the caller
# returns 0 right after); any other scenario's failure stops the harness.
scenario_failed() {
  stop_server
  if is_torch "$1" || is_grpc "$1"; then
    RES_NOTE[$1]="not run: $2"
    TORCH_FAILED=1
    log "scenario $1 failed: $2; going on"
    return 0
  fi
  die "$2"
}
run_load() { # key model body repo-dir
  local key="$1" model="$2" body="$3" repo="$4" slog="$WORK/server-$1.log" rc=0 conns
  conns="$(conns_of "$key")"
  if is_peer "$key"; then
    log "scenario $key: starting the FastAPI peer on $repo"
    start_peer "$slog" "$([[ $key == peer-mlp-1 ]] && echo 1 || echo "$PEER_WORKERS")" "$model=$repo" || rc=$?
  else
    log "scenario $key: starting the server on $repo"
    start_server "$repo" "$slog" "$(is_grpc "$key" && echo grpc)" || rc=$?
  fi
  if [[ $rc -eq 4 || $rc -eq 5 ]]; then
    scenario_failed "$key" "$START_ERROR"
    return 0
  fi
  if [[ $rc -eq 3 ]]; then
    stop_server
    if [[ ("$key" == mlp-batching || "$key" == mlp-grpc) && "$BATCHING" == auto ]]; then
      RES_NOTE[$key]="not run: the server refused the config (${READY_BODY% HTTP *})"
      log "scenario $key skipped: server not ready: $READY_BODY"
      return 0
    fi
    scenario_failed "$key" "the server is not ready for $key: ${READY_BODY% HTTP *} (log: ${slog#"$ROOT"/})"
    return 0
  fi
  if is_grpc "$key"; then
    grpc_load "$key" "$model" "$body"
    return 0
  fi
  local url="http://127.0.0.1:$PORT/v2/models/$model/infer" code hlen="" ctype="application/json"
  # A binary-extension body comes with its JSON header's length in BODY.hlen.
  if [[ -f "$body.hlen" ]]; then hlen="$(cat "$body.hlen")"; ctype="application/octet-stream"; fi
  code="$(curl -s -o "$WORK/smoke-$key.json" -w '%{http_code}' -X POST -H "Content-Type: $ctype" \
    ${hlen:+-H "Inference-Header-Content-Length: $hlen"} --data-binary "@$body" "$url" || true)"
  if [[ "$code" != 200 ]]; then
    head -c 500 "$WORK/smoke-$key.json" >&2
    echo >&2
    scenario_failed "$key" "smoke request to $url answered $code: $(head -c 300 "$WORK/smoke-$key.json" | tr '\n|' '  ')"
    return 0
  fi
  log "scenario $key: server ready on port $PORT; warm-up ${WARMUP}s"
  if ! BENCH_BODY="$body" BENCH_HEADER_LENGTH="$hlen" wrk -t"$WRK_THREADS" -c"$conns" -d"${WARMUP}s" --timeout "${WRK_TIMEOUT}s" \
    -s "$BENCH_DIR/infer.lua" "$url" >"$WORK/wrk-$key-warmup.log" 2>&1; then
    cat "$WORK/wrk-$key-warmup.log" >&2
    scenario_failed "$key" "wrk failed (warm-up of $key; log: ${WORK#"$ROOT"/}/wrk-$key-warmup.log)"
    return 0
  fi
  log "scenario $key: measuring ${DURATION}s, $conns connections, $WRK_THREADS wrk threads"
  if ! BENCH_BODY="$body" BENCH_HEADER_LENGTH="$hlen" wrk -t"$WRK_THREADS" -c"$conns" -d"${DURATION}s" --timeout "${WRK_TIMEOUT}s" --latency \
    -s "$BENCH_DIR/infer.lua" "$url" >"$WORK/wrk-$key.log" 2>&1; then
    cat "$WORK/wrk-$key.log" >&2
    scenario_failed "$key" "wrk failed ($key; log: ${WORK#"$ROOT"/}/wrk-$key.log)"
    return 0
  fi
  sed 's/^/    /' "$WORK/wrk-$key.log" >&2
  stop_server
  local line
  line="$(grep '^BENCH ' "$WORK/wrk-$key.log" | tail -1)"
  if [[ -z "$line" ]]; then
    scenario_failed "$key" "wrk printed no BENCH line (log: ${WORK#"$ROOT"/}/wrk-$key.log)"
    return 0
  fi
  field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$line"; }
  local reqs dur errs
  reqs="$(field requests)"
  dur="$(field duration_us)"
  errs=$(($(field errors_connect) + $(field errors_read) + $(field errors_write) + $(field errors_status) + $(field errors_timeout)))
  RES_REQS[$key]="$reqs"
  RES_ERR[$key]="$errs"
  RES_RPS[$key]="$(awk -v r="$reqs" -v e="$errs" -v d="$dur" 'BEGIN { printf "%.1f", (r - e) / (d / 1e6) }')"
  RES_IPS[$key]="$(awk -v x="${RES_RPS[$key]}" -v b="$REQUEST_BATCH" 'BEGIN { printf "%.1f", x * b }')"
  RES_MEAN[$key]="$(awk -v x="$(field mean_us)" 'BEGIN { printf "%.2f", x / 1000 }')"
  RES_P50[$key]="$(awk -v x="$(field p50_us)" 'BEGIN { printf "%.2f", x / 1000 }')"
  RES_P90[$key]="$(awk -v x="$(field p90_us)" 'BEGIN { printf "%.2f", x / 1000 }')"
  RES_P99[$key]="$(awk -v x="$(field p99_us)" 'BEGIN { printf "%.2f", x / 1000 }')"
  local notes=()
  if ((errs > 0)); then
    notes+=("$errs failed requests (non-2xx, timeouts or socket errors; see wrk-$key.log)")
  fi
  if ((reqs < 2 * conns)); then
    notes+=("only $reqs requests completed in ${DURATION} s with $conns connections: too few for stable numbers, use a longer --duration")
  fi
  if ((${#notes[@]} > 0)); then
    RES_NOTE[$key]="$(IFS=';'; echo "${notes[*]}" | sed 's/;/; /g')"
  fi
}

# stats_counts model: "SUCCESS FAIL", the model's inference_stats request counts summed over its
# versions (GET /v2/models/MODEL/stats), or nothing when that fails.
stats_counts() {
  curl -sf "http://127.0.0.1:$PORT/v2/models/$1/stats" | "$PYTHON" -c '
import json, sys
stats = json.load(sys.stdin)["model_stats"]
print(sum(m["inference_stats"]["success"]["count"] for m in stats),
      sum(m["inference_stats"]["fail"]["count"] for m in stats))' 2>/dev/null || true
}
# grpc_load key model body: the server is ready on PORT/GRPC_PORT. One ModelInfer call with a real
# gRPC client (GrpcSmoke), a warm-up, then the measured h2load run with a per-request log for the
# percentiles. h2load counts any HTTP 200 as a success, including gRPC errors (grpc-status in the
# trailers), so the requests the server counted as successful over the measured run (its stats)
# are compared with h2load's successes: a shortfall is counted as failed requests.
grpc_load() {
  local key="$1" model="$2" body="$3" smoke target h2args conns
  conns="$(conns_of "$key")"
  target="http://127.0.0.1:$GRPC_PORT/inference.GRPCInferenceService/ModelInfer"
  h2args=(-c "$conns" -m 1 -t "$WRK_THREADS" -d "$body" -H 'content-type: application/grpc' -H 'te: trailers')
  smoke="$(grpc_tool GrpcSmoke "127.0.0.1:$GRPC_PORT" "$body" 2>&1)" || {
    printf '%s\n' "$smoke" | tail -20 >&2
    scenario_failed "$key" "gRPC smoke call to 127.0.0.1:$GRPC_PORT ($model) failed: $(printf '%s' "$smoke" | grep -m1 -E '^FAILED|Exception' | cut -c1-300 | tr '|' ' ')"
    return 0
  }
  log "scenario $key: gRPC on port $GRPC_PORT, smoke call: $smoke"
  if [[ "$WARMUP" != 0 ]]; then
    log "scenario $key: warm-up ${WARMUP}s"
    if ! h2load "${h2args[@]}" -D "$WARMUP" "$target" >"$WORK/h2load-$key-warmup.log" 2>&1; then
      tail -30 "$WORK/h2load-$key-warmup.log" >&2
      scenario_failed "$key" "h2load failed (warm-up of $key; log: ${WORK#"$ROOT"/}/h2load-$key-warmup.log)"
      return 0
    fi
  fi
  local before after
  before="$(stats_counts "$model")"
  log "scenario $key: measuring ${DURATION}s, $conns HTTP/2 connections (1 stream each), $WRK_THREADS h2load threads"
  rm -f "$WORK/h2load-$key.requests"
  if ! h2load "${h2args[@]}" -D "$DURATION" --log-file="$WORK/h2load-$key.requests" "$target" >"$WORK/h2load-$key.log" 2>&1; then
    tail -30 "$WORK/h2load-$key.log" >&2
    scenario_failed "$key" "h2load failed ($key; log: ${WORK#"$ROOT"/}/h2load-$key.log)"
    return 0
  fi
  after="$(stats_counts "$model")"
  grep -vE '^(progress|Warm-up|Main benchmark|Stopped all)' "$WORK/h2load-$key.log" | sed 's/^/    /' >&2
  stop_server
  local line
  line="$(grep '^requests: ' "$WORK/h2load-$key.log" | tail -1)"
  if [[ -z "$line" || ! -s "$WORK/h2load-$key.requests" ]]; then
    scenario_failed "$key" "h2load printed no request counts or wrote no request log (log: ${WORK#"$ROOT"/}/h2load-$key.log)"
    return 0
  fi
  # requests: 18633 total, 18633 started, 18633 done, 18633 succeeded, 0 failed, 0 errored, 0 timeout
  hfield() { sed -n "s/.* \([0-9]*\) $1.*/\1/p" <<<"$line"; }
  local done ok failed grpc_failed=-1 served=""
  done="$(hfield done)"
  ok="$(hfield succeeded)"
  failed="$(hfield failed)"
  if [[ -n "$before" && -n "$after" ]]; then
    served=$((${after%% *} - ${before%% *}))
    grpc_failed=$((ok > served ? ok - served : 0))
  fi
  local errs=$((failed + (grpc_failed > 0 ? grpc_failed : 0)))
  RES_REQS[$key]="$done"
  RES_ERR[$key]="$errs"
  RES_RPS[$key]="$(awk -v r="$done" -v e="$errs" -v d="$DURATION" 'BEGIN { printf "%.1f", (r - e) / d }')"
  RES_IPS[$key]="$(awk -v x="${RES_RPS[$key]}" -v b="$REQUEST_BATCH" 'BEGIN { printf "%.1f", x * b }')"
  # --log-file: start time (µs since the epoch), HTTP status, µs until the end of the response.
  local pct
  pct="$(cut -f3 "$WORK/h2load-$key.requests" | sort -n | awk '
    { v[NR] = $1; sum += $1 }
    function q(p,  i) { i = int(p * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; return v[i] / 1000 }
    END { printf "%.2f %.2f %.2f %.2f", sum / NR / 1000, q(0.50), q(0.90), q(0.99) }')"
  read -r "RES_MEAN[$key]" "RES_P50[$key]" "RES_P90[$key]" "RES_P99[$key]" <<<"$pct"
  local notes=()
  if ((failed > 0)); then
    notes+=("$failed failed requests (non-2xx HTTP status, stream or socket errors; see h2load-$key.log)")
  fi
  if ((grpc_failed > 0)); then
    notes+=("$grpc_failed requests answered HTTP 200 with a gRPC error: h2load counted $ok successes, the server's statistics only $served")
  elif ((grpc_failed < 0)); then
    notes+=("the gRPC status of the requests is unchecked: /v2/models/$model/stats could not be read")
  fi
  if ((done < 2 * conns)); then
    notes+=("only $done requests completed in ${DURATION} s with $conns connections: too few for stable numbers, use a longer --duration")
  fi
  if ((${#notes[@]} > 0)); then
    RES_NOTE[$key]="$(IFS=';'; echo "${notes[*]}" | sed 's/;/; /g')"
  fi
}

SCENARIOS=()
if want_pair mlp onnx; then
  SCENARIOS+=(mlp-nobatch)
  if [[ "$BATCHING" != off ]]; then SCENARIOS+=(mlp-batching); fi
fi
if want_pair mlp torch && [[ "$BATCHING" != off ]]; then SCENARIOS+=(mlp-torch); fi
if want_pair mlp onnx && [[ "$BATCHING" != off ]]; then SCENARIOS+=(mlp-binary mlp-grpc); fi
if want_pair cnn onnx; then SCENARIOS+=(cnn cnn-binary cnn-grpc); fi
if want_pair cnn torch; then SCENARIOS+=(cnn-torch); fi
if ((PEER)); then
  want mlp && SCENARIOS+=(peer-mlp)
  want mlp && ((PEER_WORKERS != 1)) && SCENARIOS+=(peer-mlp-1)
  want cnn && SCENARIOS+=(peer-cnn)
fi
((${#SCENARIOS[@]} > 0)) || die "no scenario selected (--models $MODELS, --engines $ENGINES, --batching $BATCHING)"
# Request bodies are shared: the TorchScript models take the same inputs (features, image).
for s in "${SCENARIOS[@]}"; do
  case "$s" in
    mlp-nobatch) run_load "$s" classifier "$BODIES/classifier.json" "$REPOS/mlp-nobatch" ;;
    mlp-batching) run_load "$s" classifier "$BODIES/classifier.json" "$REPOS/mlp-batching" ;;
    mlp-torch) run_load "$s" classifier_torch "$BODIES/classifier.json" "$REPOS/mlp-torch" ;;
    cnn) run_load "$s" resnet18 "$BODIES/resnet18.json" "$REPOS/cnn" ;;
    cnn-binary) run_load "$s" resnet18 "$BODIES/resnet18.bin" "$REPOS/cnn" ;;
    mlp-binary) run_load "$s" classifier "$BODIES/classifier.bin" "$REPOS/mlp-batching" ;;
    mlp-grpc) run_load "$s" classifier "$BODIES/classifier.grpc" "$REPOS/mlp-batching" ;;
    cnn-grpc) run_load "$s" resnet18 "$BODIES/resnet18.grpc" "$REPOS/cnn" ;;
    cnn-torch) run_load "$s" resnet18_torch "$BODIES/resnet18.json" "$REPOS/cnn-torch" ;;
    peer-mlp | peer-mlp-1) run_load "$s" classifier_torch "$BODIES/classifier.json" \
      "$CLASSIFIER_TORCH_SRC/$(latest_version "$CLASSIFIER_TORCH_SRC")/model.pt" ;;
    peer-cnn) run_load "$s" resnet18_torch "$BODIES/resnet18.json" "$BENCH_MODELS/resnet18_torch/1/model.pt" ;;
  esac
done

# ----------------------------------------------------------------------------- ready, cold start, training
# Time to ready on the example repository (model-repo/, every example model, default warm-up).
READY_EXAMPLE_MS=""
if want mlp; then
  log "time to ready on model-repo/ with the default warm-up"
  ready_t0=$(date +%s%N)
  if start_server "$ROOT/model-repo" "$WORK/server-ready-example.log"; then
    READY_EXAMPLE_MS=$((($(date +%s%N) - ready_t0) / 1000000))
    log "ready on model-repo/ after ${READY_EXAMPLE_MS} ms"
  else
    log "the server did not get ready on model-repo/ (log: $WORK/server-ready-example.log)"
    TORCH_FAILED=1
  fi
  stop_server
fi
COLD_TABLE=""
if ((COLD)) && want mlp; then
  if "$BENCH_DIR/cold.sh" --no-build --out "$WORK/cold.md" >"$WORK/cold.log" 2>&1; then
    COLD_TABLE="$(sed -n '/^| option/,/^$/p' "$WORK/cold.md")"
  else
    tail -20 "$WORK/cold.log" >&2
    log "the cold-start comparison failed (log: $WORK/cold.log)"
    TORCH_FAILED=1
  fi
fi
TRAIN_TABLE=""
if want_pair mlp torch; then
  if "$BENCH_DIR/train_bench.sh" --no-build >"$WORK/train.log" 2>&1; then
    TRAIN_TABLE="$(sed -n '/^| Model /,/^$/p' "$ROOT/docs/benchmarks/training.md")"
  else
    tail -20 "$WORK/train.log" >&2
    log "the training benchmark failed (target/bench/training has its logs)"
    TORCH_FAILED=1
  fi
fi

# ----------------------------------------------------------------------------- report
cpu_model="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -1)"
[[ -n "$cpu_model" ]] || cpu_model="$(uname -m)"
ram_gib="$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
java_version="$("$JAVA" -version 2>&1 | head -1)"
os_name="$( (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") || uname -sr)"
wrk_version="$({ wrk -v 2>&1 || true; } | head -1 | awk '{ print $1, $2 }')"
h2load_version=""
((WANT_GRPC)) && h2load_version="$({ h2load --version 2>&1 || true; } | head -1)"
ort_jar="$({ tr ':' '\n' <"$CP_FILE" | grep -o 'onnxruntime-[0-9][^/]*\.jar' || true; } | head -1 | sed 's/\.jar$//')"
torch_native="$({ tr ':' '\n' <"$CP_FILE" | grep -o 'pytorch-native-[a-z0-9]*-[0-9][0-9.]*' || true; } | head -1)"
djl_engine="$({ tr ':' '\n' <"$CP_FILE" | grep -o 'pytorch-engine-[0-9][^/]*\.jar' || true; } | head -1 | sed 's/\.jar$//')"
libtorch_desc="${torch_native:-unknown}${djl_engine:+ through DJL $djl_engine}"
commit="$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(cd "$ROOT" && git --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null || true)" ]]; then
  commit="$commit (with uncommitted changes)"
fi

scenario_desc() {
  local batching="\`dynamic_batching {max_queue_delay_microseconds: $QUEUE_DELAY_US}\`"
  local instance="\`instance_group [{count: 1, kind: KIND_CPU}]\`"
  case "$1" in
    mlp-nobatch) echo "mlp-nobatch: classifier (MLP 4→16→3), example config without \`dynamic_batching\`" ;;
    mlp-batching) echo "mlp-batching: classifier (MLP 4→16→3), $batching, $instance" ;;
    mlp-torch) echo "mlp-torch: classifier_torch (the same MLP), $batching, $instance" ;;
    cnn) echo "cnn: resnet18 (ResNet-18, 3×224×224), $batching" ;;
    cnn-binary) echo "cnn-binary: as cnn, request and response in the binary tensor data extension" ;;
    mlp-binary) echo "mlp-binary: as mlp-batching, request and response in the binary tensor data extension" ;;
    mlp-grpc) echo "mlp-grpc: as mlp-batching, over gRPC (ModelInfer, \`raw_input_contents\`)" ;;
    cnn-grpc) echo "cnn-grpc: as cnn, over gRPC (ModelInfer, \`raw_input_contents\`)" ;;
    cnn-torch) echo "cnn-torch: resnet18_torch (the same ResNet-18, same weights), $batching" ;;
    peer-mlp) echo "peer-mlp: FastAPI + TorchScript peer, classifier_torch, $PEER_WORKERS uvicorn workers" ;;
    peer-mlp-1) echo "peer-mlp-1: as peer-mlp with 1 uvicorn worker (uvicorn's default)" ;;
    peer-cnn) echo "peer-cnn: FastAPI + TorchScript peer, resnet18_torch, $PEER_WORKERS uvicorn workers" ;;
  esac
}
scenario_engine() {
  if is_peer "$1"; then echo "TorchScript in Python"; elif is_torch "$1"; then echo TorchScript; else echo ONNX; fi
}
engine_key() {
  case "$1" in
    cnn | cnn-binary | cnn-grpc) echo resnet18 ;;
    cnn-torch | peer-cnn) echo resnet18_torch ;;
    mlp-torch | peer-mlp | peer-mlp-1) echo classifier_torch ;;
    *) echo classifier ;;
  esac
}
# ratio a b: a / b with enough digits to be readable, or – when either is missing.
ratio() {
  if [[ -z "$1" || -z "$2" ]]; then echo "–"; return; fi
  awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) { print "–"; exit } r = a / b; if (r >= 0.1) printf "%.2f", r; else printf "%.4f", r }'
}
# compare_line label onnx-scenario torch-scenario onnx-key torch-key: TorchScript vs ONNX Runtime.
compare_line() {
  local label="$1" so="$2" st="$3" ko="$4" kt="$5" server inproc
  if [[ -n "${RES_IPS[$so]:-}" && -n "${RES_IPS[$st]:-}" ]]; then
    server="server ${RES_IPS[$st]} vs ${RES_IPS[$so]} inferences/s, ×$(ratio "${RES_IPS[$st]}" "${RES_IPS[$so]}") ($st vs $so, p50 ${RES_P50[$st]} vs ${RES_P50[$so]} ms)"
  else
    server="server: not compared (${st} or ${so} has no result)"
  fi
  if [[ -n "${ENGINE_IPS[$ko]:-}" && -n "${ENGINE_IPS[$kt]:-}" ]]; then
    inproc="in-process ${ENGINE_IPS[$kt]} vs ${ENGINE_IPS[$ko]} inferences/s, ×$(ratio "${ENGINE_IPS[$kt]}" "${ENGINE_IPS[$ko]}") (best batch ${ENGINE_BATCH[$kt]} vs ${ENGINE_BATCH[$ko]})"
  else
    inproc="in-process: not compared (${kt} or ${ko} has no result)"
  fi
  echo "- $label, TorchScript vs ONNX: $server; $inproc."
}

report() {
  echo "# Benchmark: server vs in-process engine"
  echo
  echo "Generated by \`src/bench/run.sh${ORIGINAL_ARGS:+ $ORIGINAL_ARGS}\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit."
  echo
  echo "## Machine"
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| CPU | $cpu_model |"
  echo "| Cores (\`nproc\`) | $(nproc) |"
  echo "| RAM | $ram_gib |"
  echo "| OS | $os_name |"
  echo "| Java | $java_version |"
  echo "| ONNX Runtime | ${ort_jar:-unknown} |"
  want_engine torch && echo "| libtorch | $libtorch_desc |"
  [[ -n "$SERVER_ARGS$JAVA_OPTS" ]] && echo "| Server options | JAVA_OPTS=\`${JAVA_OPTS}\`, SERVER_ARGS=\`${SERVER_ARGS}\` |"
  echo "| Load average (1, 5, 15 min) | $LOADAVG_START at the start, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) at the end |"
  echo "| Load generator | $wrk_version, $WRK_THREADS threads, $CONNECTIONS connections, ${WARMUP} s warm-up + ${DURATION} s measured, $REQUEST_BATCH inference(s) per request, JSON or binary-extension bodies |"
  [[ -n "$h2load_version" ]] && echo "| gRPC load generator | $h2load_version, $WRK_THREADS threads, $CONNECTIONS HTTP/2 connections with 1 stream each, ${WARMUP} s warm-up + ${DURATION} s measured, ModelInferRequest with \`raw_input_contents\` (FP32 little-endian) |"
  echo
  echo "The load generator runs on the same machine and shares its $(nproc) cores with the server, so"
  echo "server numbers are lower bounds. In-process: one thread calling \`EngineSession.execute\` in a"
  echo "loop (intra-op threads: $([[ $ENGINE_THREADS == 0 ]] && echo "the engine's default" || echo "$ENGINE_THREADS")), ${ENGINE_SECONDS} s per batch size, best batch size kept."
  if want_engine torch; then
    echo "libtorch's thread pools are process-wide: the in-process run sets them from \`--engine-threads\`,"
    echo "the server from its \`--torch-threads\` (0, the default: libtorch decides)."
  fi
  echo
  if awk -v l="${LOADAVG_START%% *}" -v n="$(nproc)" 'BEGIN { exit !(l + 0 > n / 2) }' 2>/dev/null; then
    echo "**Warning:** the machine was already busy when the run started (1-minute load average"
    echo "${LOADAVG_START%% *} on $(nproc) cores): other processes competed for the CPU, so these numbers are noisy."
    echo
  fi
  echo "## Results"
  echo
  echo "| Scenario | Engine | Connections | Requests/s | Inferences/s | p50 ms | p90 ms | p99 ms | Failed | In-process ceiling, inferences/s (batch) | Server / in-process |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  local s k ceiling note
  for s in "${SCENARIOS[@]}"; do
    k="$(engine_key "$s")"
    ceiling="–"
    [[ -n "${ENGINE_IPS[$k]:-}" ]] && ceiling="${ENGINE_IPS[$k]} (${ENGINE_BATCH[$k]})"
    if [[ -n "${RES_RPS[$s]:-}" ]]; then
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(scenario_desc "$s")" "$(scenario_engine "$s")" "$(conns_of "$s")" \
        "${RES_RPS[$s]}" "${RES_IPS[$s]}" "${RES_P50[$s]}" "${RES_P90[$s]}" "${RES_P99[$s]}" "${RES_ERR[$s]}" \
        "$ceiling" "$(ratio "${RES_IPS[$s]}" "${ENGINE_IPS[$k]:-}")"
    else
      printf '| %s | %s | %s | – | – | – | – | – | – | %s | – |\n' "$(scenario_desc "$s")" "$(scenario_engine "$s")" "$(conns_of "$s")" "$ceiling"
    fi
  done
  echo
  local notes=0
  for s in "${SCENARIOS[@]}"; do
    k="$(engine_key "$s")"
    for note in "${RES_NOTE[$s]:-}" "${ENGINE_NOTE[$k]:-}"; do
      [[ -n "$note" ]] || continue
      ((notes == 0)) && echo "Notes:" && echo
      notes=1
      if [[ "$note" == "${ENGINE_NOTE[$k]:-}" ]]; then echo "- $k: $note"; else echo "- $s: $note"; fi
    done
  done
  ((notes == 0)) || echo
  if want_engine onnx && want_engine torch; then
    echo "Same model, same config, same requests:"
    echo
    want mlp && compare_line "MLP" mlp-batching mlp-torch classifier classifier_torch
    want cnn && compare_line "CNN" cnn cnn-torch resnet18 resnet18_torch
    echo
  fi
  echo "Server inferences/s = successful requests/s × inferences per request. Latencies are wrk's"
  echo "(from send to full response, per request). The ceiling is the engine (ONNX Runtime or"
  echo "libtorch) alone at its best batch size, with no HTTP, JSON or queueing."
  if ((WANT_GRPC)); then
    echo "gRPC rows: h2load posts a fixed ModelInferRequest; their percentiles are computed from its"
    echo "per-request log (\`--log-file\`: time until the end of each response). h2load counts every"
    echo "HTTP 200 as a success, so one call is first checked with a gRPC client and \"Failed\" adds"
    echo "the successes h2load saw beyond the server's own success count over the measured run."
  fi
  if want mlp && want cnn; then
    echo "The MLP is overhead-bound (the model runs in microseconds, so HTTP and JSON dominate); the"
    echo "CNN is compute-bound (the model itself dominates)."
  fi
  echo
  echo "In-process sweeps (logs in \`${WORK#"$ROOT"/}/engine-*.log\`), mean time per execution at the best batch:"
  echo
  for k in classifier classifier_torch resnet18 resnet18_torch; do
    [[ -n "${ENGINE_IPS[$k]:-}" ]] || continue
    echo "- $k: ${ENGINE_IPS[$k]} inferences/s at batch ${ENGINE_BATCH[$k]} (${ENGINE_MS[$k]} ms per execution)"
  done
}

# peer_line label server-scenario peer-scenario: the server against the FastAPI peer.
peer_line() {
  local label="$1" sv="$2" pe="$3"
  if [[ -n "${RES_RPS[$sv]:-}" && -n "${RES_RPS[$pe]:-}" ]]; then
    echo "- $label: ${RES_RPS[$sv]} vs ${RES_RPS[$pe]} requests/s, **×$(ratio "${RES_RPS[$sv]}" "${RES_RPS[$pe]}")** ($sv vs $pe at $(conns_of "$sv") connections; p50 ${RES_P50[$sv]} vs ${RES_P50[$pe]} ms, p99 ${RES_P99[$sv]} vs ${RES_P99[$pe]} ms)"
  else
    echo "- $label: not compared ($sv or $pe has no result)"
  fi
}
# verdict value op threshold [ceiling]: met / not met (– when there is no value). With "ceiling", a
# ratio above 1 says the in-process run was more disturbed than the server's, not that the server
# beat its engine: it is reported as not meaningful.
verdict() {
  [[ -n "$1" && "$1" != "–" ]] || { echo "not measured"; return; }
  if [[ "${4:-}" == ceiling ]] && awk -v v="$1" 'BEGIN { exit !(v + 0 > 1) }'; then
    echo "**not meaningful**: above 1, the in-process run was disturbed by other load (see pairs.sh)"
    return
  fi
  awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN { ok = (op == ">=") ? (v + 0 >= t + 0) : (v + 0 < t + 0); print ok ? "met" : "**not met**" }'
}
# target_line text value op threshold
target_line() { echo "| $1 | ${2:-–} | $3 $4 | $(verdict "$2" "$3" "$4" "${5:-}") |"; }
extra_sections() {
  if ((PEER)) || [[ -n "$PEER_NOTE" ]]; then
    echo "## Against the FastAPI + TorchScript peer"
    echo
    if [[ -n "$PEER_NOTE" ]]; then
      echo "The peer was $PEER_NOTE."
    else
      echo "\`src/bench/peer/fastapi_peer.py\`: uvicorn $("$PYTHON" -c 'import uvicorn; print(uvicorn.__version__)' 2>/dev/null),"
      echo "FastAPI $("$PYTHON" -c 'import fastapi; print(fastapi.__version__)' 2>/dev/null), torch $("$PYTHON" -c 'import torch; print(torch.__version__)' 2>/dev/null) (Debian), $PEER_WORKERS worker processes with"
      echo "\`torch.set_num_threads($PEER_TORCH_THREADS)\` each, the same TorchScript files, the same JSON bodies and the same wrk"
      echo "settings as the server rows. Server / peer, requests/s:"
      echo
      want mlp && peer_line "MLP, REST JSON, ONNX model" mlp-batching peer-mlp
      want mlp && ((PEER_WORKERS != 1)) && peer_line "MLP, REST JSON, ONNX model, against a 1-worker peer" mlp-batching peer-mlp-1
      want mlp && peer_line "MLP, REST JSON, ONNX model without dynamic batching" mlp-nobatch peer-mlp
      want mlp && peer_line "MLP, REST JSON, the same TorchScript file" mlp-torch peer-mlp
      want cnn && peer_line "CNN, REST JSON, ONNX model" cnn peer-cnn
      want cnn && peer_line "CNN, REST JSON, the same TorchScript file" cnn-torch peer-cnn
    fi
    echo
  fi
  if [[ -n "$READY_EXAMPLE_MS$COLD_TABLE" ]]; then
    echo "## Cold start"
    echo
    [[ -n "$READY_EXAMPLE_MS" ]] && echo "Ready on the example repository (\`model-repo/\`, every example model, default warm-up): ${READY_EXAMPLE_MS} ms from process start." && echo
    if [[ -n "$COLD_TABLE" ]]; then
      echo "From \`src/bench/cold.sh\` (its own report: \`docs/benchmarks/cold-start.md\` when run alone): the example MLP over REST"
      echo "JSON at 64 connections from the moment it is ready; ratio = first 10 s / a warm 10 s window later."
      echo
      echo "$COLD_TABLE"
      echo
    fi
  fi
  if [[ -n "$TRAIN_TABLE" ]]; then
    echo "## Training"
    echo
    echo "From \`src/bench/train_bench.sh\` (full report: \`docs/benchmarks/training.md\`):"
    echo
    echo "$TRAIN_TABLE"
    echo
  fi
  echo "## Targets"
  echo
  echo "| Target | Measured | Wanted | |"
  echo "|---|---:|---:|---|"
  local cold_best="" row
  if [[ -n "$COLD_TABLE" ]]; then
    cold_best="$(awk -F'|' '$2 ~ /warmup|aot/ { gsub(/ /, "", $6); if ($6 + 0 > best) best = $6 + 0 } END { if (best != "") print best }' <<<"$COLD_TABLE")"
  fi
  target_line "MLP REST JSON: first 10 s after ready / warm (best option)" "$cold_best" ">=" 0.7
  target_line "MLP REST JSON: warm server / FastAPI peer (mlp-batching / peer-mlp)" \
    "$(ratio "${RES_RPS[mlp-batching]:-}" "${RES_RPS[peer-mlp]:-}")" ">=" 4
  ((PEER_WORKERS != 1)) && target_line "MLP REST JSON: the same against the 1-worker peer (mlp-batching / peer-mlp-1)" \
    "$(ratio "${RES_RPS[mlp-batching]:-}" "${RES_RPS[peer-mlp-1]:-}")" ">=" 4
  target_line "MLP REST JSON: p99 ms at $CONNECTIONS connections (mlp-batching)" "${RES_P99[mlp-batching]:-}" "<" 20
  target_line "ResNet-18 REST JSON / in-process ceiling (cnn)" "$(ratio "${RES_IPS[cnn]:-}" "${ENGINE_IPS[resnet18]:-}")" ">=" 0.85 ceiling
  target_line "ResNet-18 REST binary / in-process ceiling (cnn-binary)" "$(ratio "${RES_IPS[cnn-binary]:-}" "${ENGINE_IPS[resnet18]:-}")" ">=" 0.9 ceiling
  target_line "ResNet-18 gRPC / in-process ceiling (cnn-grpc)" "$(ratio "${RES_IPS[cnn-grpc]:-}" "${ENGINE_IPS[resnet18]:-}")" ">=" 0.9 ceiling
  if [[ -n "$TRAIN_TABLE" ]]; then
    while IFS= read -r row; do
      target_line "Training $(awk -F'|' '{ gsub(/^ +| +$/, "", $2); gsub(/ /, "", $3); print $2 ", batch " $3 }' <<<"$row"): Java / PyTorch (loop)" \
        "$(awk -F'|' '{ gsub(/ /, "", $6); print $6 }' <<<"$row")" ">=" 0.9
    done < <(grep -E '^\| [a-z_]+ \| [0-9]' <<<"$TRAIN_TABLE")
  fi
  target_line "Ready on the example repository with warm-up, seconds" \
    "$([[ -n "$READY_EXAMPLE_MS" ]] && awk -v m="$READY_EXAMPLE_MS" 'BEGIN { printf "%.1f", m / 1000 }')" "<" 30
  echo
}

REPORT="$(report; echo; extra_sections)"
echo
echo "$REPORT"
if [[ "$OUT" != "-" ]]; then
  mkdir -p "$(dirname "$OUT")"
  printf '%s\n' "$REPORT" >"$OUT"
  log "report written to $OUT"
fi
"$BENCH_DIR/soak.sh" --no-build --engines "$ENGINES" --work "$WORK/soak" || { log "the load/unload soak failed or exceeded its memory bound (docs/benchmarks/soak.md says which)"; exit 1; }
if ((TORCH_FAILED)); then
  log "some TorchScript or gRPC measurements failed; the report says why (logs in $WORK)"
  exit 1
fi
