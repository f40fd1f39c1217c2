#!/usr/bin/env bash
# Overload benchmark: goodput, admitted-request latency and rejection latency at 1×, 2×, 5× and
# 10× the server's measured capacity.
#
#   src/bench/overload.sh [options]          (from anywhere; --help lists the options)
#
# Not part of the test suite. It:
#   1. compiles the benchmark mains (mvn -o -pl src/bench compile; not the server: it runs
#      server/target/model-server.jar or --jar FILE as it is), unless --no-build;
#   2. exports the benchmark ResNet-18 (model-repo/export_models.py --bench-models, shared with
#      run.sh in target/bench/models) and writes a repository under target/bench/overload/repo with
#      dynamic_batching {max_queue_delay_microseconds: 0} plus the queue policy and config lines
#      asked for (--queue-size, --queue-timeout-us, --batching-line, --config-line);
#   3. starts the server on free ports, waits for /v2/health/ready, checks one request, warms it up
#      (closed loop), then measures its capacity C: src/bench/java/.../OverloadGenerator in closed
#      loop, --capacity-connections senders, --duration seconds, C = HTTP 200 responses per second;
#   4. runs OverloadGenerator in open loop at each --levels multiple of C (requests sent at fixed
#      intervals whatever the server does, at most --connections in flight), --duration seconds each;
#   5. writes docs/benchmarks/overload.md (--out): machine, parameters, a table per load level and
#      the two targets of the overload issue (p99 of admitted requests at 10× ≤ 2 × the p99 at 1×;
#      goodput at 10× ≥ 0.9 C), met or not. Raw generator output: target/bench/overload/*.json.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="$ROOT/src/bench"

# ----------------------------------------------------------------------------- options
# The JIT needs about 25 s of load on 2 cores before the server reaches its steady state.
WARMUP=30
DURATION=20
LEVEL_WARMUP=5
CAP_CONNECTIONS=16
CONNECTIONS=256
LEVELS="1,2,5,10"
CAPACITY=""
REQUEST_TIMEOUT=60
PAUSE=2
QUEUE_DELAY_US=0
QUEUE_SIZE=""
QUEUE_TIMEOUT_US=""
BATCHING_LINES=()
CONFIG_LINES=()
MAX_BATCH=
EXPECT_CONTINUE=0
EXPECT_NOTE=""
EXTRA_SERVER_ARGS=()
BUILD=1
JAR="$ROOT/server/target/model-server.jar"
OUT="$ROOT/docs/benchmarks/overload.md"
WORK="$ROOT/target/bench/overload"
MODELS_DIR="$ROOT/target/bench/models"
PYTHON="${PYTHON:-/usr/bin/python3}"
JAVA="${JAVA:-java}"
JAVA_OPTS="${JAVA_OPTS:-}"
SERVER_ARGS="${SERVER_ARGS:-}"
GEN_OPTS="${GEN_OPTS:--Xms64m -Xmx256m -XX:+UseSerialGC}"
READY_TIMEOUT=180
MODEL=resnet18

usage() {
  cat <<EOF
usage: src/bench/overload.sh [options]

  --quick                 short run: --warmup 5 --duration 5 --level-warmup 1
  --warmup S              server warm-up before the capacity run, closed loop (default $WARMUP)
  --duration S            measured seconds of the capacity run and of each level (default $DURATION)
  --level-warmup S        open-loop seconds before each level's measured window, sent but not
                          counted (default $LEVEL_WARMUP)
  --capacity-connections N  closed-loop senders of the warm-up and capacity runs (default $CAP_CONNECTIONS)
  --connections N         open loop: most requests in flight; a request due while N are in flight
                          is not sent and counts as dropped by the generator (default $CONNECTIONS)
  --levels LIST           comma list of load multiples of the capacity (default $LEVELS)
  --capacity RPS          use this capacity instead of measuring it (the warm-up still runs)
  --request-timeout S     a request slower than this is aborted and counted as an error (default $REQUEST_TIMEOUT)
  --queue-delay-us N      dynamic_batching.max_queue_delay_microseconds (default $QUEUE_DELAY_US)
  --queue-size N          dynamic_batching.default_queue_policy.max_queue_size
  --queue-timeout-us N    dynamic_batching.default_queue_policy.default_timeout_microseconds
  --batching-line 'K: V'  one more line under dynamic_batching (repeatable)
  --config-line 'K: V'    one more top-level line of the model's config.yaml (repeatable)
  --max-batch N           the model's max_batch_size (default: the export's, 16)
  --expect-continue       send 'Expect: 100-continue': the body only after the server's 100
                          Continue, so a refused request never sends its body
  --server-arg ARG        one more server argument, e.g. --server-arg=--http-threads=64 (repeatable;
                          added to SERVER_ARGS)
  --jar FILE              the server jar (default server/target/model-server.jar; never built here)
  --no-build              do not compile src/bench (use src/bench/target/classes as they are)
  --out FILE              report file (default docs/benchmarks/overload.md; '-' for none)
  --work DIR              scratch folder: repository, bodies, logs, JSON (default target/bench/overload)
  --models-dir DIR        where the exported ResNet-18 is kept (default target/bench/models, as run.sh)

Environment: JAVA (java binary), JAVA_OPTS (server JVM options), SERVER_ARGS (extra server
arguments), GEN_OPTS (load generator JVM options, default "$GEN_OPTS"), PYTHON (default
/usr/bin/python3, needs torch + onnx to export the model once).
EOF
}

ORIGINAL_ARGS="$*"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) WARMUP=5; DURATION=5; LEVEL_WARMUP=1; shift ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --level-warmup) LEVEL_WARMUP="$2"; shift 2 ;;
    --capacity-connections) CAP_CONNECTIONS="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --levels) LEVELS="$2"; shift 2 ;;
    --capacity) CAPACITY="$2"; shift 2 ;;
    --request-timeout) REQUEST_TIMEOUT="$2"; shift 2 ;;
    --queue-delay-us) QUEUE_DELAY_US="$2"; shift 2 ;;
    --queue-size) QUEUE_SIZE="$2"; shift 2 ;;
    --queue-timeout-us) QUEUE_TIMEOUT_US="$2"; shift 2 ;;
    --batching-line) BATCHING_LINES+=("$2"); shift 2 ;;
    --config-line) CONFIG_LINES+=("$2"); shift 2 ;;
    --max-batch) MAX_BATCH="$2"; shift 2 ;;
    --expect-continue)
      EXPECT_CONTINUE=1
      EXPECT_NOTE=", \`Expect: 100-continue\` (the body follows the server's 100 Continue)"
      shift ;;
    --server-arg) EXTRA_SERVER_ARGS+=("$2"); shift 2 ;;
    --server-arg=*) EXTRA_SERVER_ARGS+=("${1#--server-arg=}"); shift ;;
    --jar) JAR="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --out) OUT="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    --models-dir) MODELS_DIR="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "overload.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
is_num() { [[ "$1" =~ ^[0-9]+([.][0-9]+)?$ ]]; }
is_int() { [[ "$1" =~ ^[0-9]+$ ]]; }
for v in "$WARMUP" "$DURATION" "$LEVEL_WARMUP" "$REQUEST_TIMEOUT"; do
  is_num "$v" || { echo "overload.sh: '$v' is not a number of seconds" >&2; exit 2; }
done
for v in "$CAP_CONNECTIONS" "$CONNECTIONS" "$QUEUE_DELAY_US" ${QUEUE_SIZE:+"$QUEUE_SIZE"} ${QUEUE_TIMEOUT_US:+"$QUEUE_TIMEOUT_US"}; do
  is_int "$v" || { echo "overload.sh: '$v' is not a non-negative integer" >&2; exit 2; }
done
[[ -z "$CAPACITY" ]] || is_num "$CAPACITY" || { echo "overload.sh: --capacity must be a number" >&2; exit 2; }
LEVEL_LIST=()
for l in ${LEVELS//,/ }; do
  is_num "$l" || { echo "overload.sh: '$l' in --levels is not a number" >&2; exit 2; }
  LEVEL_LIST+=("$l")
done
((${#LEVEL_LIST[@]} > 0)) || { echo "overload.sh: --levels is empty" >&2; exit 2; }
SERVER_ARGS="$SERVER_ARGS${EXTRA_SERVER_ARGS[*]:+ ${EXTRA_SERVER_ARGS[*]}}"

log() { printf '[overload %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'overload.sh: ERROR: %s\n' "$*" >&2; exit 1; }

# ----------------------------------------------------------------------------- cleanup
SERVER_PID=""
GEN_PID=""
stop_server() {
  if [[ -n "$GEN_PID" ]]; then
    kill "$GEN_PID" 2>/dev/null || true
    wait "$GEN_PID" 2>/dev/null || true
    GEN_PID=""
  fi
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
need_cmd curl || die "curl is missing (Debian: apt-get install -y curl)"
need_cmd "$JAVA" || die "java is missing (Java 17+ needed; set JAVA=/path/to/java)"
[[ -x "$PYTHON" ]] || need_cmd "$PYTHON" || die "python3 not found at $PYTHON (set PYTHON=...)"
[[ -f "$JAR" ]] || die "$JAR is missing: build it (mvn -B -q package -DskipTests) or pass --jar FILE"
JAR="$(cd "$(dirname "$JAR")" && pwd)/$(basename "$JAR")"

LOADAVG_START="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
rm -f "$WORK"/*.json "$WORK"/*.err

# ----------------------------------------------------------------------------- build
if [[ $BUILD -eq 1 ]]; then
  need_cmd mvn || die "mvn is missing (or pass --no-build with compiled src/bench classes)"
  log "building: mvn -B -q -o -pl src/bench compile -Dspotless.check.skip=true"
  (cd "$ROOT" && { mvn -B -q -o -pl src/bench compile -Dspotless.check.skip=true \
      || mvn -B -q -pl src/bench compile -Dspotless.check.skip=true; }) >&2 \
    || die "the build failed (see above); src/bench needs the runtime artifact in ~/.m2 (mvn install)"
fi
[[ -f "$BENCH_DIR/target/classes/org/modelserver/bench/OverloadGenerator.class" ]] \
  || die "OverloadGenerator is not compiled (src/bench/target/classes); run without --no-build"
# A copy, so that a rebuild during the run changes nothing. It needs the JDK alone.
rm -rf "$WORK/classes"
mkdir -p "$WORK/classes/org/modelserver/bench"
cp "$BENCH_DIR"/target/classes/org/modelserver/bench/OverloadGenerator*.class "$WORK/classes/org/modelserver/bench/"

# ----------------------------------------------------------------------------- model, repository, body
ONNX="$MODELS_DIR/$MODEL/1/model.onnx"
if [[ ! -f "$ONNX" || "$ROOT/model-repo/export_models.py" -nt "$ONNX" ]]; then
  "$PYTHON" -c 'import torch, onnx' 2>/dev/null \
    || die "$PYTHON cannot import torch and onnx, needed to export the ResNet-18 (Debian: python3-torch python3-onnx)"
  log "exporting the benchmark CNN: model-repo/export_models.py --bench-models $MODELS_DIR"
  mkdir -p "$MODELS_DIR"
  "$PYTHON" "$ROOT/model-repo/export_models.py" --bench-models "$MODELS_DIR" >"$WORK/export.log" 2>&1 \
    || { tail -20 "$WORK/export.log" >&2; die "exporting the CNN failed (log: $WORK/export.log)"; }
  [[ -f "$ONNX" ]] || die "the export did not write $ONNX (log: $WORK/export.log)"
fi
REPO="$WORK/repo"
rm -rf "$REPO"
mkdir -p "$REPO/$MODEL/1"
cp "$ONNX" "$REPO/$MODEL/1/model.onnx"
CONFIG="$REPO/$MODEL/config.yaml"
{
  if [[ -n "$MAX_BATCH" ]]; then
    sed "s/^max_batch_size: .*/max_batch_size: $MAX_BATCH/" "$MODELS_DIR/$MODEL/config.yaml"
  else
    cat "$MODELS_DIR/$MODEL/config.yaml"
  fi
  echo "dynamic_batching:"
  echo "  max_queue_delay_microseconds: $QUEUE_DELAY_US"
  if [[ -n "$QUEUE_SIZE$QUEUE_TIMEOUT_US" ]]; then
    echo "  default_queue_policy:"
    [[ -z "$QUEUE_SIZE" ]] || echo "    max_queue_size: $QUEUE_SIZE"
    [[ -z "$QUEUE_TIMEOUT_US" ]] || echo "    default_timeout_microseconds: $QUEUE_TIMEOUT_US"
  fi
  for line in "${BATCHING_LINES[@]}"; do echo "  $line"; done
  for line in "${CONFIG_LINES[@]}"; do echo "$line"; done
} >"$CONFIG.tmp"
mv "$CONFIG.tmp" "$CONFIG"
BODY="$WORK/$MODEL.bin"
"$PYTHON" "$BENCH_DIR/make_body.py" --binary "$BODY" image FP32 1 3 224 224
HLEN="$(cat "$BODY.hlen")"
BODY_BYTES="$(wc -c <"$BODY")"

# ----------------------------------------------------------------------------- server
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
SLOG="$WORK/server.log"
PORT="$(free_port)"
log "starting the server ($JAR) on 127.0.0.1:$PORT, repository $REPO"
# shellcheck disable=SC2086
"$JAVA" $JAVA_OPTS -jar "$JAR" --model-repository="$REPO" --http-port="$PORT" --http-address=127.0.0.1 \
  --grpc-port=0 --grpc-address=127.0.0.1 --management-port=-1 --grpc-management-port=-1 \
  $SERVER_ARGS >"$SLOG" 2>&1 &
SERVER_PID=$!
server_alive() { kill -0 "$SERVER_PID" 2>/dev/null; }
deadline=$((SECONDS + READY_TIMEOUT))
while :; do
  if ! server_alive; then
    tail -30 "$SLOG" >&2
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    die "the server exited during startup (log: $SLOG)"
  fi
  code="$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v2/health/live" || true)"
  [[ "$code" == 200 ]] && break
  ((SECONDS < deadline)) || { tail -30 "$SLOG" >&2; die "the server was not live after ${READY_TIMEOUT}s (log: $SLOG)"; }
  sleep 0.5
done
# Models load before the port opens, so readiness is settled once live; retry briefly anyway.
for _ in $(seq 1 20); do
  code="$(curl -s -m 5 -o "$WORK/ready.txt" -w '%{http_code}' "http://127.0.0.1:$PORT/v2/health/ready" || true)"
  [[ "$code" == 200 ]] && break
  sleep 0.5
done
[[ "$code" == 200 ]] || die "the server is not ready: HTTP $code $(head -c 300 "$WORK/ready.txt" 2>/dev/null | tr -c '[:print:]' ' ') (log: $SLOG; model config: $CONFIG)"
URL="http://127.0.0.1:$PORT/v2/models/$MODEL/infer"
code="$(curl -s -m 60 -o "$WORK/smoke.out" -w '%{http_code}' -X POST -H 'Content-Type: application/octet-stream' \
  -H "Inference-Header-Content-Length: $HLEN" --data-binary "@$BODY" "$URL" || true)"
[[ "$code" == 200 ]] || die "the smoke request to $URL answered HTTP $code: $(head -c 300 "$WORK/smoke.out" | tr -c '[:print:]' ' ')"
log "server ready, smoke request OK"

# generate NAME RATE CONNECTIONS WARMUP DURATION: one OverloadGenerator run, JSON in WORK/NAME.json.
generate() {
  local name="$1" rate="$2" conns="$3" warm="$4" dur="$5" bound rc=0
  local expect=()
  ((EXPECT_CONTINUE == 0)) || expect=(--header 'Expect: 100-continue')
  bound="$(awk -v w="$warm" -v d="$dur" -v t="$REQUEST_TIMEOUT" 'BEGIN { printf "%d", w + d + t + 30 }')"
  # In the background, so that a signal's trap runs at once (and stops it) rather than after it.
  # shellcheck disable=SC2086
  timeout "$bound" "$JAVA" $GEN_OPTS -cp "$WORK/classes" org.modelserver.bench.OverloadGenerator \
    --url "$URL" --body "$BODY" --header 'Content-Type: application/octet-stream' \
    --header "Inference-Header-Content-Length: $HLEN" "${expect[@]}" \
    --rate "$rate" --connections "$conns" \
    --warmup "$warm" --duration "$dur" --timeout "$REQUEST_TIMEOUT" --cpu-pid "$SERVER_PID" \
    >"$WORK/$name.json" 2>"$WORK/$name.err" &
  GEN_PID=$!
  wait "$GEN_PID" || rc=$?
  GEN_PID=""
  if ((rc != 0)); then
    cat "$WORK/$name.err" >&2
    die "the load generator failed with status $rc ($name; output in $WORK/$name.json, $WORK/$name.err)"
  fi
  server_alive || die "the server exited during $name (log: $SLOG)"
}
# load_result NAME: the generator's JSON fields as R[NAME.field] (null as empty; status_counts and
# error_kinds as "k: v, k: v").
declare -A R
load_result() {
  local k v
  while IFS='=' read -r k v; do R["$1.$k"]="$v"; done < <("$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k, v in d.items():
    if isinstance(v, dict):
        v = ", ".join("%s: %s" % kv for kv in v.items())
    print("%s=%s" % (k, "" if v is None else v))' "$WORK/$1.json") \
    || die "cannot read the generator output $WORK/$1.json"
}

log "warm-up: closed loop, $CAP_CONNECTIONS connections, ${WARMUP}s"
generate warmup 0 "$CAP_CONNECTIONS" 0 "$WARMUP"
if [[ -z "$CAPACITY" ]]; then
  log "capacity: closed loop, $CAP_CONNECTIONS connections, ${DURATION}s"
  generate capacity 0 "$CAP_CONNECTIONS" 0 "$DURATION"
  load_result capacity
  CAPACITY="${R[capacity.ok_rps]}"
  CAPACITY_SOURCE="measured: closed loop, $CAP_CONNECTIONS connections, ${DURATION} s, HTTP 200 responses per second"
  awk -v c="$CAPACITY" 'BEGIN { exit !(c > 0) }' || die "the capacity run got no HTTP 200 (see $WORK/capacity.json)"
else
  CAPACITY_SOURCE="given with --capacity (not measured)"
fi
log "capacity C = $CAPACITY requests/s"

for l in "${LEVEL_LIST[@]}"; do
  rate="$(awk -v c="$CAPACITY" -v l="$l" 'BEGIN { printf "%.3f", c * l }')"
  log "level ${l}×: open loop, $rate requests/s, at most $CONNECTIONS in flight, ${LEVEL_WARMUP}s + ${DURATION}s"
  generate "level-$l" "$rate" "$CONNECTIONS" "$LEVEL_WARMUP" "$DURATION"
  load_result "level-$l"
  log "  goodput ${R[level-$l.ok_rps]}/s, admitted p99 ${R[level-$l.ok_p99_ms]:-–} ms, rejected ${R[level-$l.rejected]}, errors ${R[level-$l.errors]}, dropped by the generator ${R[level-$l.generator_dropped]}"
  sleep "$PAUSE"
done
stop_server

# ----------------------------------------------------------------------------- report
dash() { if [[ -z "$1" ]]; then echo "–"; else echo "$1"; fi; }
# ratio A B: A / B to two decimals, or nothing when either is missing or B is 0.
ratio() {
  [[ -n "$1" && -n "$2" ]] || return 0
  awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 != 0) printf "%.2f", a / b }'
}
cpu_model="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -1)"
[[ -n "$cpu_model" ]] || cpu_model="$(uname -m)"
ram_gib="$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
os_name="$( (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") || uname -sr)"
java_version="$("$JAVA" -version 2>&1 | head -1)"
commit="$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(cd "$ROOT" && git --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null || true)" ]]; then
  commit="$commit (with uncommitted changes)"
fi
jar_desc="\`${JAR#"$ROOT"/}\`, $(du -m "$JAR" | cut -f1) MB, built $(date -u -r "$JAR" '+%Y-%m-%d %H:%M UTC')"

# others KEY: the machine's busy cores not used by the server or the generator, or nothing.
others() {
  local h="${R[$1.host_cpu_busy_cores]}" p="${R[$1.pid_cpu_cores]}" g="${R[$1.generator_cpu_cores]}"
  [[ -n "$h" && -n "$p" && -n "$g" ]] || return 0
  awk -v h="$h" -v p="$p" -v g="$g" 'BEGIN { o = h - p - g; printf "%.2f", (o < 0 ? 0 : o) }'
}
# validity_notes: what makes this run's comparison doubtful, one "- " line each.
validity_notes() {
  local l k o r
  if has_level 1; then
    r="$(ratio "${R[level-1.ok_rps]}" "$CAPACITY")"
    if [[ -n "$r" ]] && awk -v r="$r" 'BEGIN { exit !(r < 0.9) }'; then
      echo "- At 1× the server did not keep up (goodput / C = $r): C was over-estimated or the machine got busier after the capacity run, so 1× was already an overload and the p99 ratio compares two overloads."
    fi
  fi
  for l in "${LEVEL_LIST[@]}"; do
    k="level-$l"
    o="$(others "$k")"
    if [[ -n "$o" ]] && awk -v o="$o" 'BEGIN { exit !(o >= 0.25) }'; then
      echo "- At ${l}× other processes kept $o cores busy (the machine: ${R[$k.host_cpu_busy_cores]} of $(nproc) cores; server ${R[$k.pid_cpu_cores]}, generator ${R[$k.generator_cpu_cores]}): the server had less CPU than during other runs."
    fi
    if [[ -n "${R[$k.send_lag_p99_ms]}" ]] && awk -v x="${R[$k.send_lag_p99_ms]}" 'BEGIN { exit !(x >= 100) }'; then
      echo "- At ${l}× the generator sent late (send lag p99 ${R[$k.send_lag_p99_ms]} ms): starved of CPU or waiting for connections, it offered less than the nominal rate in bursts."
    fi
  done
}
has_level() { local l; for l in "${LEVEL_LIST[@]}"; do [[ "$l" == "$1" ]] && return 0; done; return 1; }
check_lines() {
  local p1 p10 g10 r
  if has_level 1 && has_level 10; then
    p1="${R[level-1.ok_p99_ms]}"; p10="${R[level-10.ok_p99_ms]}"; g10="${R[level-10.ok_rps]}"
    r="$(ratio "$p10" "$p1")"
    if [[ -n "$r" ]]; then
      echo "- Admitted p99 at 10× / admitted p99 at 1× = $p10 / $p1 ms = **$r** (target ≤ 2): **$(awk -v r="$r" 'BEGIN { print (r <= 2 ? "met" : "not met") }')**."
    else
      echo "- Admitted p99 at 10× / at 1×: **not met** (no admitted request at one of the two levels)."
    fi
    r="$(ratio "$g10" "$CAPACITY")"
    echo "- Goodput at 10× / capacity = $g10 / $CAPACITY requests/s = **$r** (target ≥ 0.9): **$(awk -v r="$r" 'BEGIN { print (r >= 0.9 ? "met" : "not met") }')**."
  else
    echo "- Not evaluated: the targets compare the 1× and 10× levels, and --levels was $LEVELS."
  fi
}

report() {
  echo "# Overload: goodput and latency at 1×–10× capacity"
  echo
  echo "Generated by \`src/bench/overload.sh${ORIGINAL_ARGS:+ $ORIGINAL_ARGS}\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit."
  echo
  echo "## Targets"
  echo
  check_lines
  echo
  local notes
  notes="$(validity_notes)"
  if [[ -n "$notes" ]]; then
    echo "Caveats of this run (the verdicts above are not reliable while any holds):"
    echo
    echo "$notes"
    echo
  fi
  echo "## Machine and parameters"
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| CPU | $cpu_model |"
  echo "| Cores (\`nproc\`) | $(nproc) |"
  echo "| RAM | $ram_gib |"
  echo "| OS | $os_name |"
  echo "| Java | $java_version |"
  echo "| Server | $jar_desc |"
  echo "| Server options | JAVA_OPTS=\`${JAVA_OPTS}\`, SERVER_ARGS=\`${SERVER_ARGS}\` |"
  echo "| Load average (1, 5, 15 min) | $LOADAVG_START at the start, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) at the end |"
  echo "| Model | \`$MODEL\`: ResNet-18 (ONNX, random weights, from \`model-repo/export_models.py --bench-models\`), input \`image\` FP32 [batch, 3, 224, 224], output \`logits\` [batch, 1000] |"
  echo "| Request | batch 1, binary tensor data extension: $BODY_BYTES bytes (JSON header of $HLEN bytes + raw FP32), \`Inference-Header-Content-Length: $HLEN\`, binary output$EXPECT_NOTE |"
  echo "| Load generator | \`OverloadGenerator\` (src/bench), HTTP/1.1 keep-alive, JVM options \`$GEN_OPTS\`, request timeout ${REQUEST_TIMEOUT} s |"
  echo "| Warm-up | ${WARMUP} s closed loop, $CAP_CONNECTIONS connections |"
  echo "| Capacity C | **$CAPACITY requests/s**, $CAPACITY_SOURCE |"
  echo "| Levels | ${LEVELS//,/×, }× of C, open loop, ${LEVEL_WARMUP} s not counted + ${DURATION} s measured each, at most $CONNECTIONS requests in flight |"
  echo
  if awk -v l="${LOADAVG_START%% *}" -v n="$(nproc)" 'BEGIN { exit !(l + 0 > n / 2) }' 2>/dev/null; then
    echo "**Warning:** the machine was already busy when the run started (1-minute load average"
    echo "${LOADAVG_START%% *} on $(nproc) cores): other processes competed for the CPU, so these numbers are noisy."
    echo
  fi
  echo "The model's \`config.yaml\`:"
  echo
  echo '```yaml'
  cat "$CONFIG"
  echo '```'
  echo
  echo "## Results"
  echo
  if [[ -f "$WORK/capacity.json" ]]; then
    echo "Capacity run (closed loop, $CAP_CONNECTIONS connections): ${R[capacity.ok_rps]} requests/s, p50 $(dash "${R[capacity.ok_p50_ms]}") ms, p99 $(dash "${R[capacity.ok_p99_ms]}") ms, statuses $(dash "${R[capacity.status_counts]}"), errors ${R[capacity.errors]}."
    echo
  fi
  echo "| Load | Offered rps | Sent | Dropped by generator | Goodput rps | Goodput / C | Admitted p50 ms | Admitted p99 ms | Admitted max ms | Rejected (429/503) | Rejection p50 ms | Rejection p99 ms | Other status | Errors | CPU cores: server / generator |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  local l k
  for l in "${LEVEL_LIST[@]}"; do
    k="level-$l"
    printf '| %s× | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s |\n' "$l" \
      "${R[$k.offered_rps]}" "${R[$k.sent]}" "${R[$k.generator_dropped]}" "${R[$k.ok_rps]}" \
      "$(dash "$(ratio "${R[$k.ok_rps]}" "$CAPACITY")")" "$(dash "${R[$k.ok_p50_ms]}")" "$(dash "${R[$k.ok_p99_ms]}")" \
      "$(dash "${R[$k.ok_max_ms]}")" "${R[$k.rejected]}" "$(dash "${R[$k.rejected_p50_ms]}")" \
      "$(dash "${R[$k.rejected_p99_ms]}")" "${R[$k.other_status]}" "${R[$k.errors]}" \
      "$(dash "${R[$k.pid_cpu_cores]}")" "$(dash "${R[$k.generator_cpu_cores]}")"
  done
  echo
  echo "Per level: statuses, error kinds, and how far the generator kept to its schedule:"
  echo
  for l in "${LEVEL_LIST[@]}"; do
    k="level-$l"
    echo "- ${l}×: statuses {$(dash "${R[$k.status_counts]}")}, errors {$(dash "${R[$k.error_kinds]}")}, responses read after a failed write ${R[$k.responses_after_write_error]}, unfinished ${R[$k.unfinished]}, most in flight ${R[$k.max_in_flight]}, machine busy $(dash "${R[$k.host_cpu_busy_cores]}") of $(nproc) cores (other processes $(dash "$(others "$k")")), send lag p99 $(dash "${R[$k.send_lag_p99_ms]}") ms (max $(dash "${R[$k.send_lag_max_ms]}") ms)."
  done
  echo
  echo "How to read this: each level sends requests at fixed intervals (offered rps = level × C)"
  echo "whatever the server does (open loop). A request due while $CONNECTIONS are already in flight"
  echo "is not sent (\"Dropped by generator\"), so with a server that queues without bound the in-flight"
  echo "cap, not the server, limits the latency: at most about $CONNECTIONS / C seconds. Goodput is"
  echo "HTTP 200 responses completed inside the measured window per second. Latencies run from the"
  echo "first byte written to the last byte of the response; \"admitted\" means HTTP 200, rejections are"
  echo "429 and 503. Errors are requests with no HTTP response (connection refused or reset before a"
  echo "response could be read, timeout after ${REQUEST_TIMEOUT} s). The generator runs on the same"
  echo "$(nproc) cores as the server: the CPU column gives what each used over the measured window (CPU"
  echo "seconds per second), and the send lag how late requests left against their schedule (a"
  echo "starved generator sends late, and offers less than the nominal rate). The raw output of each"
  echo "run is in \`${WORK#"$ROOT"/}/*.json\`."
}

REPORT="$(report)"
echo
echo "$REPORT"
if [[ "$OUT" != "-" ]]; then
  mkdir -p "$(dirname "$OUT")"
  printf '%s\n' "$REPORT" >"$OUT"
  log "report written to $OUT"
fi
