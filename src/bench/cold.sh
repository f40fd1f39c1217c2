#!/usr/bin/env bash
# Cold start: how fast the packaged server serves right after it says ready, against how fast it
# serves warm, for each start-up option, measured side by side in one run.
#
# For each option the script starts the server jar on the example MLP (model-repo/classifier,
# with dynamic batching), waits for /v2/health/ready (timing it), then at once drives it with wrk
# at 64 connections: the first 10 s after ready ("cold"), then --settle seconds more, then 10 s
# more ("warm"). It reports requests per second of both windows and their ratio.
#
# Options compared:
#   plain    --warmup-seconds=0, no model_warmup: what the server did before issue 15
#   warmup   the server warm-up (--warmup-seconds, default 10) and a model_warmup in the config
#   aot      warmup, on Java 25 with an ahead-of-time cache (JEP 483/514/515) recorded by a
#            training run of the same workload; skipped when no Java 25 is found
#
#   src/bench/cold.sh [--no-build] [--settle S] [--window S] [--out FILE]
#
# Traffic goes to 127.0.0.1 only; every server is stopped before the script ends.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

BUILD=1
SETTLE=20
WINDOW=10
CONNECTIONS=64
OUT="$ROOT/docs/benchmarks/cold-start.md"
WORK="$ROOT/target/bench/cold"
JAVA="${JAVA:-java}"
JAVA25="${JAVA25:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)/bin/java}"
PORT=18180
READY_TIMEOUT=180

while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0; shift ;;
    --settle) SETTLE="$2"; shift 2 ;;
    --window) WINDOW="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n 2,20p "$0"; exit 0 ;;
    *) echo "cold.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

BENCH_TAG=cold
# shellcheck source=src/bench/lib.sh
source "$ROOT/src/bench/lib.sh"
bench_build "$BUILD"
rm -rf "$WORK"
mkdir -p "$WORK"

# Repositories: the example classifier with dynamic batching, with and without model_warmup.
make_repo() { # DIR WITH_WARMUP
  mkdir -p "$1"
  cp -r "$ROOT/model-repo/classifier" "$1/"
  if [[ $2 == 1 ]]; then
    cat >>"$1/classifier/config.yaml" <<'EOF'
model_warmup:
  - name: one
    batch_size: 1
    inputs:
      features: {data_type: TYPE_FP32, dims: [4], random_data: true}
    count: 200
  - name: full
    batch_size: 32
    inputs:
      features: {data_type: TYPE_FP32, dims: [4], random_data: true}
    count: 200
EOF
  fi
}
make_repo "$WORK/repo-plain" 0
make_repo "$WORK/repo-warm" 1
BODY="$WORK/body.json"
printf '{"inputs":[{"name":"features","shape":[1,4],"datatype":"FP32","data":[0.1,0.2,0.3,0.4]}]}' >"$BODY"
URL="http://127.0.0.1:$PORT/v2/models/classifier/infer"

# rps SECONDS LOG: drives the server with wrk; prints requests per second (ERR on failures).
rps() {
  wrk_run "$2" "$URL" "$BODY" "$1" "$CONNECTIONS"
  bench_field "$2" rps
}

RESULTS=()
# measure NAME JAVA REPO [args...]
measure() {
  local name="$1" java="$2" repo="$3"
  shift 3
  log "option $name: starting"
  start_server "$java" "$APP_JAR" "$PORT" "$repo" "$WORK/server-$name.log" "$@"
  local cold warm
  cold=$(rps "$WINDOW" "$WORK/wrk-$name-cold.log")
  rps "$SETTLE" "$WORK/wrk-$name-settle.log" >/dev/null
  warm=$(rps "$WINDOW" "$WORK/wrk-$name-warm.log")
  stop_server
  [[ $cold != ERR && $warm != ERR ]] || die "option $name: requests failed (logs in $WORK)"
  local ratio
  ratio=$(awk -v c="$cold" -v w="$warm" 'BEGIN { printf "%.2f", c / w }')
  log "option $name: ready in ${READY_MS} ms; first ${WINDOW}s $cold req/s, warm $warm req/s ($ratio)"
  RESULTS+=("| $name | $READY_MS | $cold | $warm | $ratio |")
}

APP_JAR="$JAR"
measure plain "$JAVA" "$WORK/repo-plain" --warmup-seconds=0
measure warmup "$JAVA" "$WORK/repo-warm"

AOT_NOTE="not measured: no Java 25 at $JAVA25"
if [[ -x "$JAVA25" ]]; then
  # The AOT cache holds classes from the class path only, not from Spring Boot's nested jars:
  # the jar is extracted first (Spring Boot's tools jar mode).
  log "option aot: extracting the jar and recording the cache with a training run"
  "$JAVA25" -Djarmode=tools -jar "$JAR" extract --destination "$WORK/app" >/dev/null
  APP_JAR="$WORK/app/model-server.jar"
  start_server "$JAVA25" "$APP_JAR" "$PORT" "$WORK/repo-warm" "$WORK/server-aot-train.log" \
    -XX:AOTCacheOutput="$WORK/app.aot"
  rps "$SETTLE" "$WORK/wrk-aot-train.log" >/dev/null
  stop_server
  if [[ -f "$WORK/app.aot" ]]; then
    measure aot "$JAVA25" "$WORK/repo-warm" -XX:AOTCache="$WORK/app.aot"
    AOT_NOTE="cache $(du -h "$WORK/app.aot" | cut -f1), recorded by a ${SETTLE}s training run"
  else
    AOT_NOTE="not measured: the training run wrote no cache (log: $WORK/server-aot-train.log)"
  fi
fi

REPORT=$(
  cat <<EOF
# Cold start: the first ${WINDOW} s after ready against warm

Measured by \`src/bench/cold.sh\` on $(nproc) CPUs ($(date -u +%Y-%m-%d)): the example MLP
(\`model-repo/classifier\`, dynamic batching) over REST JSON, wrk at $CONNECTIONS connections from
the moment \`/v2/health/ready\` says ready. "Warm" is a ${WINDOW} s window after ${SETTLE} s more of
load. Ratio = first ${WINDOW} s / warm. Ready = from process start to ready.

| option | ready (ms) | first ${WINDOW} s (req/s) | warm (req/s) | ratio |
|---|---|---|---|---|
$(printf '%s\n' "${RESULTS[@]}")

- plain: \`--warmup-seconds=0\`, no \`model_warmup\`.
- warmup: the server warm-up (10 s, REST JSON, REST binary and gRPC codecs) and a
  \`model_warmup\` of 200 runs at batch 1 and 200 at batch 32.
- aot: warmup on Java 25 with \`-XX:AOTCache\` ($AOT_NOTE).
EOF
)
if [[ "$OUT" != "-" ]]; then
  printf '%s\n' "$REPORT" >"$OUT"
  log "report written to ${OUT#"$ROOT"/}"
fi
printf '%s\n' "$REPORT"
