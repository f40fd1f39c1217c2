#!/usr/bin/env bash
# Benchmark harness: the packaged server under load vs the engine's own in-process ceiling.
#
#   src/bench/run.sh [options]          (from anywhere; --help lists the options)
#
# Not part of the test suite. It:
#   1. builds the server jar and the runtime test classes (mvn package -DskipTests), unless
#      --no-build;
#   2. exports the benchmark CNN (a hand-written ResNet-18) with
#      model-repo/export_models.py --bench-models, and generates model repositories under
#      target/bench/ (copies of model-repo/classifier with config.yaml variants);
#   3. measures the engine's ceiling in-process (runtime's EngineBenchmark: OnnxEngine, no
#      server, batch sizes 1, 2, 4, ... up to max_batch_size, best one kept);
#   4. starts the server jar on a free port for each scenario, waits for /v2/health/ready,
#      checks one request, warms up, then drives it with wrk (64 connections, 2 threads,
#      batch-1 requests by default) and records requests/s and p50/p99 latency;
#   5. prints a markdown report (machine, parameters, results, server/in-process ratios) and
#      writes it to docs/benchmarks/latest.md (--out FILE to change).
#
# Scenarios: mlp-nobatch (classifier, its example config: no dynamic_batching), mlp-batching
# (classifier + dynamic_batching {max_queue_delay_microseconds: 0} + instance_group
# [{count: 1, kind: KIND_CPU}]), cnn (resnet18 + dynamic_batching). With --batching auto
# (default) the batching scenario is reported as unsupported when the server refuses its config.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="$ROOT/src/bench"

# ----------------------------------------------------------------------------- options
# The JIT needs about 25 s of load on 2 cores before the server reaches its steady state.
WARMUP=30
DURATION=15
CONNECTIONS=64
WRK_THREADS=2
WRK_TIMEOUT=60
ENGINE_SECONDS=3
ENGINE_WARMUP=1
ENGINE_THREADS=0
MODELS="mlp,cnn"
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
  --connections N         concurrent HTTP connections (default $CONNECTIONS)
  --wrk-threads N         wrk threads (default $WRK_THREADS)
  --wrk-timeout S         per-request timeout; slower requests count as errors (default $WRK_TIMEOUT)
  --request-batch N       inferences per request (batch dimension of the body, default $REQUEST_BATCH)
  --engine-seconds S      in-process seconds per batch size (default $ENGINE_SECONDS)
  --engine-threads N      in-process intra-op threads, 0 = ONNX Runtime default (default $ENGINE_THREADS)
  --models LIST           comma list of mlp, cnn (default $MODELS)
  --batching MODE         auto | on | off: the mlp-batching scenario; auto skips it with a note
                          when the server refuses dynamic_batching, on fails instead (default $BATCHING)
  --queue-delay-us N      max_queue_delay_microseconds of the batching scenario (default $QUEUE_DELAY_US)
  --no-build              use the existing server/target/model-server.jar and runtime/target classes
  --out FILE              report file (default docs/benchmarks/latest.md; '-' for none)
  --work DIR              scratch folder for repositories, logs, bodies (default target/bench)

Environment: JAVA (java binary), JAVA_OPTS (server JVM options), SERVER_ARGS (extra server
arguments, e.g. --intra-op-threads=1), PYTHON (default /usr/bin/python3, needs torch + onnx for cnn).
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
    --wrk-timeout) WRK_TIMEOUT="$2"; shift 2 ;;
    --request-batch) REQUEST_BATCH="$2"; shift 2 ;;
    --engine-seconds) ENGINE_SECONDS="$2"; shift 2 ;;
    --engine-threads) ENGINE_THREADS="$2"; shift 2 ;;
    --models) MODELS="$2"; shift 2 ;;
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
want() { [[ ",$MODELS," == *",$1,"* ]]; }

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
need_cmd curl || die "curl is missing (Debian: apt-get install -y curl)"
need_cmd "$JAVA" || die "java is missing (Java 17+ needed; set JAVA=/path/to/java)"
[[ -x "$PYTHON" ]] || need_cmd "$PYTHON" || die "python3 not found at $PYTHON (set PYTHON=...)"
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
[[ -f "$ROOT/runtime/target/test-classes/org/modelserver/runtime/bench/EngineBenchmark.class" ]] \
  || die "EngineBenchmark is not compiled (runtime/target/test-classes); run without --no-build"
CP_FILE="$WORK/runtime.classpath"
if [[ $BUILD -eq 1 || ! -s "$CP_FILE" ]]; then
  need_cmd mvn || die "mvn is missing (needed once to resolve the runtime classpath)"
  log "resolving the runtime classpath (mvn dependency:build-classpath)"
  (cd "$ROOT" && { mvn -B -o -q -pl runtime dependency:build-classpath -Dmdep.outputFile="$CP_FILE" \
      || mvn -B -q -pl runtime dependency:build-classpath -Dmdep.outputFile="$CP_FILE"; }) >&2 \
    || die "could not resolve the runtime classpath"
fi
ENGINE_CP="$ROOT/runtime/target/classes:$ROOT/runtime/target/test-classes:$(cat "$CP_FILE")"

# ----------------------------------------------------------------------------- models and repositories
REPOS="$WORK/repos"
rm -rf "$REPOS"
mkdir -p "$REPOS"
CLASSIFIER_SRC="$ROOT/model-repo/classifier"
if want mlp; then
  [[ -f "$CLASSIFIER_SRC/config.yaml" ]] || die "$CLASSIFIER_SRC/config.yaml is missing"
  mkdir -p "$REPOS/mlp-nobatch" "$REPOS/mlp-batching"
  cp -r "$CLASSIFIER_SRC" "$REPOS/mlp-nobatch/classifier"
  cp -r "$CLASSIFIER_SRC" "$REPOS/mlp-batching/classifier"
  rm -f "$REPOS"/mlp-*/classifier/reference.json
  # Both scenarios start from the example config without its dynamic_batching line.
  sed -i '/^dynamic_batching:/d' "$REPOS"/mlp-*/classifier/config.yaml
  cat >>"$REPOS/mlp-batching/classifier/config.yaml" <<EOF
dynamic_batching:
  max_queue_delay_microseconds: $QUEUE_DELAY_US
instance_group:
  - count: 1
    kind: KIND_CPU
EOF
fi
if want cnn; then
  BENCH_MODELS="$WORK/models"
  if [[ ! -f "$BENCH_MODELS/resnet18/1/model.onnx" || "$ROOT/model-repo/export_models.py" -nt "$BENCH_MODELS/resnet18/1/model.onnx" ]]; then
    log "exporting the benchmark CNN: model-repo/export_models.py --bench-models $BENCH_MODELS"
    "$PYTHON" "$ROOT/model-repo/export_models.py" --bench-models "$BENCH_MODELS" >"$WORK/export.log" 2>&1 \
      || { tail -20 "$WORK/export.log" >&2; die "exporting the CNN failed (log: $WORK/export.log)"; }
  fi
  mkdir -p "$REPOS/cnn"
  cp -r "$BENCH_MODELS/resnet18" "$REPOS/cnn/resnet18"
  cat >>"$REPOS/cnn/resnet18/config.yaml" <<CONFIG
dynamic_batching:
  max_queue_delay_microseconds: $QUEUE_DELAY_US
CONFIG
fi

# Request bodies (batch dimension = --request-batch).
BODIES="$WORK/bodies"
mkdir -p "$BODIES"
if want mlp; then
  "$PYTHON" "$BENCH_DIR/make_body.py" "$BODIES/classifier.json" features FP32 "$REQUEST_BATCH" 4
fi
if want cnn; then
  "$PYTHON" "$BENCH_DIR/make_body.py" "$BODIES/resnet18.json" image FP32 "$REQUEST_BATCH" 3 224 224
fi

max_batch_of() { sed -n 's/^max_batch_size:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$1" | head -1; }

# ----------------------------------------------------------------------------- in-process ceiling
declare -A ENGINE_IPS ENGINE_BATCH ENGINE_MS
engine_bench() { # key model-file max-batch
  local key="$1" file="$2" maxb="$3" out="$WORK/engine-$1.log"
  log "in-process ceiling of $key: EngineBenchmark, batch 1..$maxb, ${ENGINE_SECONDS}s each"
  "$JAVA" -cp "$ENGINE_CP" org.modelserver.runtime.bench.EngineBenchmark --model "$file" --name "$key" \
    --max-batch "$maxb" --seconds "$ENGINE_SECONDS" --warmup "$ENGINE_WARMUP" --threads "$ENGINE_THREADS" \
    >"$out" 2>&1 || { tail -30 "$out" >&2; die "EngineBenchmark failed for $key (log: $out)"; }
  sed 's/^/    /' "$out" >&2
  local result
  result="$(grep '^RESULT ' "$out" | tail -1)"
  [[ -n "$result" ]] || die "EngineBenchmark printed no RESULT line (log: $out)"
  ENGINE_BATCH[$key]="$(sed 's/.*best_batch=\([0-9]*\).*/\1/' <<<"$result")"
  ENGINE_IPS[$key]="$(sed 's/.*inferences_per_s=\([0-9.]*\).*/\1/' <<<"$result")"
  ENGINE_MS[$key]="$(sed 's/.*mean_ms=\([0-9.]*\).*/\1/' <<<"$result")"
}
if want mlp; then
  MLP_VERSION="$(cd "$CLASSIFIER_SRC" && ls -d [1-9]* | sort -n | tail -1)"
  engine_bench classifier "$CLASSIFIER_SRC/$MLP_VERSION/model.onnx" "$(max_batch_of "$CLASSIFIER_SRC/config.yaml")"
fi
if want cnn; then
  engine_bench resnet18 "$REPOS/cnn/resnet18/1/model.onnx" "$(max_batch_of "$REPOS/cnn/resnet18/config.yaml")"
fi

# ----------------------------------------------------------------------------- server runs
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# start_server repo-dir log-file; sets PORT, SERVER_PID. Returns 0 when ready, 3 when the server
# runs but is not ready (a model UNAVAILABLE; READY_BODY holds the reason); dies otherwise.
READY_BODY=""
start_server() {
  local repo="$1" slog="$2" deadline code
  PORT="$(free_port)"
  # shellcheck disable=SC2086
  "$JAVA" $JAVA_OPTS -jar "$JAR" --model-repository="$repo" --http-port="$PORT" --http-address=127.0.0.1 \
    $SERVER_ARGS >"$slog" 2>&1 &
  SERVER_PID=$!
  deadline=$((SECONDS + READY_TIMEOUT))
  while :; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      tail -30 "$slog" >&2
      SERVER_PID=""
      die "the server exited during startup (log: $slog)"
    fi
    code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v2/health/live" || true)"
    [[ "$code" == 200 ]] && break
    ((SECONDS < deadline)) || die "the server was not live after ${READY_TIMEOUT}s (log: $slog)"
    sleep 0.3
  done
  # Models load before the port opens, so readiness is settled once live; retry briefly anyway.
  for _ in $(seq 1 10); do
    READY_BODY="$(curl -s -w ' HTTP %{http_code}' "http://127.0.0.1:$PORT/v2/health/ready" || true)"
    [[ "$READY_BODY" == *"HTTP 200" ]] && return 0
    sleep 0.5
  done
  return 3
}

declare -A RES_RPS RES_IPS RES_P50 RES_P90 RES_P99 RES_MEAN RES_ERR RES_NOTE RES_REQS
run_load() { # key model body repo-dir
  local key="$1" model="$2" body="$3" repo="$4" slog="$WORK/server-$1.log" rc=0
  log "scenario $key: starting the server on $repo"
  start_server "$repo" "$slog" || rc=$?
  if [[ $rc -eq 3 ]]; then
    stop_server
    if [[ "$key" == mlp-batching && "$BATCHING" == auto ]]; then
      RES_NOTE[$key]="not run: the server refused the config (${READY_BODY% HTTP *})"
      log "scenario $key skipped: server not ready: $READY_BODY"
      return 0
    fi
    die "the server is not ready for $key: $READY_BODY (log: $slog)"
  fi
  local url="http://127.0.0.1:$PORT/v2/models/$model/infer" code
  code="$(curl -s -o "$WORK/smoke-$key.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary "@$body" "$url" || true)"
  [[ "$code" == 200 ]] || { head -c 500 "$WORK/smoke-$key.json" >&2; echo >&2; die "smoke request to $url answered $code"; }
  log "scenario $key: server ready on port $PORT; warm-up ${WARMUP}s"
  BENCH_BODY="$body" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" --timeout "${WRK_TIMEOUT}s" \
    -s "$BENCH_DIR/infer.lua" "$url" >"$WORK/wrk-$key-warmup.log" 2>&1 \
    || { cat "$WORK/wrk-$key-warmup.log" >&2; die "wrk failed (warm-up of $key)"; }
  log "scenario $key: measuring ${DURATION}s, $CONNECTIONS connections, $WRK_THREADS wrk threads"
  BENCH_BODY="$body" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout "${WRK_TIMEOUT}s" --latency \
    -s "$BENCH_DIR/infer.lua" "$url" >"$WORK/wrk-$key.log" 2>&1 \
    || { cat "$WORK/wrk-$key.log" >&2; die "wrk failed ($key)"; }
  sed 's/^/    /' "$WORK/wrk-$key.log" >&2
  stop_server
  local line
  line="$(grep '^BENCH ' "$WORK/wrk-$key.log" | tail -1)"
  [[ -n "$line" ]] || die "wrk printed no BENCH line (log: $WORK/wrk-$key.log)"
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
  if ((reqs < 2 * CONNECTIONS)); then
    notes+=("only $reqs requests completed in ${DURATION} s with $CONNECTIONS connections: too few for stable numbers, use a longer --duration")
  fi
  if ((${#notes[@]} > 0)); then
    RES_NOTE[$key]="$(IFS=';'; echo "${notes[*]}" | sed 's/;/; /g')"
  fi
}

SCENARIOS=()
if want mlp; then
  SCENARIOS+=(mlp-nobatch)
  [[ "$BATCHING" != off ]] && SCENARIOS+=(mlp-batching)
fi
want cnn && SCENARIOS+=(cnn)
for s in "${SCENARIOS[@]}"; do
  case "$s" in
    mlp-nobatch) run_load "$s" classifier "$BODIES/classifier.json" "$REPOS/mlp-nobatch" ;;
    mlp-batching) run_load "$s" classifier "$BODIES/classifier.json" "$REPOS/mlp-batching" ;;
    cnn) run_load "$s" resnet18 "$BODIES/resnet18.json" "$REPOS/cnn" ;;
  esac
done

# ----------------------------------------------------------------------------- report
cpu_model="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -1)"
[[ -n "$cpu_model" ]] || cpu_model="$(uname -m)"
ram_gib="$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
java_version="$("$JAVA" -version 2>&1 | head -1)"
os_name="$( (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") || uname -sr)"
wrk_version="$({ wrk -v 2>&1 || true; } | head -1 | awk '{ print $1, $2 }')"
ort_jar="$({ tr ':' '\n' <"$CP_FILE" | grep -o 'onnxruntime-[0-9][^/]*\.jar' || true; } | head -1 | sed 's/\.jar$//')"
commit="$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(cd "$ROOT" && git --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null || true)" ]]; then
  commit="$commit (with uncommitted changes)"
fi

scenario_desc() {
  case "$1" in
    mlp-nobatch) echo "classifier (MLP 4→16→3), example config without \`dynamic_batching\`" ;;
    mlp-batching) echo "classifier (MLP 4→16→3), \`dynamic_batching {max_queue_delay_microseconds: $QUEUE_DELAY_US}\`, \`instance_group [{count: 1, kind: KIND_CPU}]\`" ;;
    cnn) echo "resnet18 (ResNet-18, 3×224×224), \`dynamic_batching {max_queue_delay_microseconds: $QUEUE_DELAY_US}\`" ;;
  esac
}
engine_key() { case "$1" in cnn) echo resnet18 ;; *) echo classifier ;; esac; }

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
  echo "| Load average (1, 5, 15 min) | $LOADAVG_START at the start, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) at the end |"
  echo "| Load generator | $wrk_version, $WRK_THREADS threads, $CONNECTIONS connections, ${WARMUP} s warm-up + ${DURATION} s measured, $REQUEST_BATCH inference(s) per request, JSON bodies |"
  echo
  echo "The load generator runs on the same machine and shares its $(nproc) cores with the server, so"
  echo "server numbers are lower bounds. In-process: one thread calling \`EngineSession.execute\` in a"
  echo "loop (intra-op threads: $([[ $ENGINE_THREADS == 0 ]] && echo 'ONNX Runtime default' || echo "$ENGINE_THREADS")), ${ENGINE_SECONDS} s per batch size, best batch size kept."
  echo
  if awk -v l="${LOADAVG_START%% *}" -v n="$(nproc)" 'BEGIN { exit !(l + 0 > n / 2) }' 2>/dev/null; then
    echo "**Warning:** the machine was already busy when the run started (1-minute load average"
    echo "${LOADAVG_START%% *} on $(nproc) cores): other processes competed for the CPU, so these numbers are noisy."
    echo
  fi
  echo "## Results"
  echo
  echo "| Scenario | Requests/s | Inferences/s | p50 ms | p90 ms | p99 ms | Failed | In-process ceiling, inferences/s (batch) | Server / in-process |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  local s k ratio
  for s in "${SCENARIOS[@]}"; do
    k="$(engine_key "$s")"
    if [[ -n "${RES_RPS[$s]:-}" ]]; then
      ratio="$(awk -v a="${RES_IPS[$s]}" -v b="${ENGINE_IPS[$k]}" 'BEGIN { r = a / b; if (r >= 0.1) printf "%.2f", r; else printf "%.4f", r }')"
      printf '| %s | %s | %s | %s | %s | %s | %s | %s (%s) | %s |\n' "$(scenario_desc "$s")" \
        "${RES_RPS[$s]}" "${RES_IPS[$s]}" "${RES_P50[$s]}" "${RES_P90[$s]}" "${RES_P99[$s]}" "${RES_ERR[$s]}" \
        "${ENGINE_IPS[$k]}" "${ENGINE_BATCH[$k]}" "$ratio"
    else
      printf '| %s | – | – | – | – | – | – | %s (%s) | – |\n' "$(scenario_desc "$s")" "${ENGINE_IPS[$k]}" "${ENGINE_BATCH[$k]}"
    fi
  done
  echo
  local notes=0
  for s in "${SCENARIOS[@]}"; do
    if [[ -n "${RES_NOTE[$s]:-}" ]]; then
      ((notes == 0)) && echo "Notes:" && echo
      notes=1
      echo "- $s: ${RES_NOTE[$s]}"
    fi
  done
  ((notes == 0)) || echo
  echo "Server inferences/s = successful requests/s × inferences per request. Latencies are wrk's"
  echo "(from send to full response, per request). The ceiling is ONNX Runtime alone at its best"
  echo "batch size, with no HTTP, JSON or queueing."
  if want mlp && want cnn; then
    echo "The MLP is overhead-bound (the model runs in microseconds, so HTTP and JSON dominate); the"
    echo "CNN is compute-bound (the model itself dominates)."
  fi
  echo
  echo "In-process sweeps (logs in \`${WORK#"$ROOT"/}/engine-*.log\`), mean time per execution at the best batch:"
  echo
  for k in classifier resnet18; do
    [[ -n "${ENGINE_IPS[$k]:-}" ]] || continue
    echo "- $k: ${ENGINE_IPS[$k]} inferences/s at batch ${ENGINE_BATCH[$k]} (${ENGINE_MS[$k]} ms per execution)"
  done
}

REPORT="$(report)"
echo
echo "$REPORT"
if [[ "$OUT" != "-" ]]; then
  mkdir -p "$(dirname "$OUT")"
  printf '%s\n' "$REPORT" >"$OUT"
  log "report written to $OUT"
fi
