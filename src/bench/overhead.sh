#!/usr/bin/env bash
# Per-request server overhead at one connection, as Triton publishes it: the server's latency for
# one request at a time minus the in-process compute of the same model at batch 1.
#
# The example MLP (model-repo/classifier): the in-process time comes from EngineBenchmark (ONNX
# Runtime called directly, batch 1); the server's from wrk at 1 connection over REST JSON and REST
# binary, after the server warm-up and --settle seconds of load.
#
#   src/bench/overhead.sh [--no-build] [--settle S] [--seconds S] [--out FILE]
#
# Traffic goes to 127.0.0.1 only; the server is stopped before the script ends.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

BUILD=1
SETTLE=20
MEASURE=10
OUT="$ROOT/docs/benchmarks/overhead.md"
WORK="$ROOT/target/bench/overhead"
JAVA="${JAVA:-java}"
PORT=18380
READY_TIMEOUT=180

while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0; shift ;;
    --settle) SETTLE="$2"; shift 2 ;;
    --seconds) MEASURE="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n 2,11p "$0"; exit 0 ;;
    *) echo "overhead.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

BENCH_TAG=overhead
# shellcheck source=src/bench/lib.sh
source "$ROOT/src/bench/lib.sh"
bench_build "$BUILD"
[[ -f "$ROOT/src/bench/target/classes/org/modelserver/bench/EngineBenchmark.class" ]] \
  || die "EngineBenchmark is not compiled: run without --no-build"
rm -rf "$WORK"
mkdir -p "$WORK"

MODEL="$ROOT/model-repo/classifier/1/model.onnx"
log "in-process: EngineBenchmark, batch 1"
mvn -B -o -q -pl runtime dependency:build-classpath -Dmdep.outputFile="$WORK/cp" >/dev/null
CLASSPATH="$ROOT/runtime/target/classes:$ROOT/src/bench/target/classes:$(cat "$WORK/cp")" \
  "$JAVA" org.modelserver.bench.EngineBenchmark --model "$MODEL" --name mlp --max-batch 1 \
  --seconds "$MEASURE" --warmup 5 >"$WORK/engine.log" 2>&1 || die "EngineBenchmark failed (log: $WORK/engine.log)"
ENGINE_US=$(awk '$1 == "1" && NF == 5 { printf "%.1f", $5 * 1000 }' "$WORK/engine.log")
[[ -n "$ENGINE_US" ]] || die "no batch-1 line in $WORK/engine.log"
log "in-process: $ENGINE_US µs per batch-1 call"

mkdir -p "$WORK/repo"
cp -r "$ROOT/model-repo/classifier" "$WORK/repo/"
start_server "$JAVA" "$JAR" "$PORT" "$WORK/repo" "$WORK/server.log"
URL="http://127.0.0.1:$PORT/v2/models/classifier/infer"
printf '{"inputs":[{"name":"features","shape":[1,4],"datatype":"FP32","data":[0.1,0.2,0.3,0.4]}]}' \
  >"$WORK/body.json"
HEADER='{"inputs":[{"name":"features","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}'
# 0.1, 0.2, 0.3, 0.4 as little-endian FP32.
{ printf '%s' "$HEADER"; printf '\xcd\xcc\xcc\x3d\xcd\xcc\x4c\x3e\x9a\x99\x99\x3e\xcd\xcc\xcc\x3e'; } \
  >"$WORK/body.bin"

# latency KIND SECONDS BODY [HEADER_LENGTH]: wrk at 1 connection; prints "p50_us p99_us".
latency() {
  wrk_run "$WORK/wrk-$1.log" "$URL" "$3" "$2" 1 "${4:-}"
  bench_field "$WORK/wrk-$1.log" p50_us p99_us
}
log "server: settling ${SETTLE}s at 1 connection"
latency settle "$SETTLE" "$WORK/body.json" >/dev/null
read -r JSON_P50 JSON_P99 < <(latency json "$MEASURE" "$WORK/body.json")
read -r BIN_P50 BIN_P99 < <(latency binary "$MEASURE" "$WORK/body.bin" "${#HEADER}")
[[ $JSON_P50 != ERR && $BIN_P50 != ERR ]] || die "requests failed (logs in $WORK)"
stop_server

row() { # name p50 p99
  awk -v n="$1" -v p="$2" -v q="$3" -v e="$ENGINE_US" \
    'BEGIN { printf "| %s | %d | %d | %.1f | %.0f |\n", n, p, q, e, p - e }'
}
REPORT=$(
  cat <<EOF
# Per-request server overhead at one connection

Measured by \`src/bench/overhead.sh\` on $(nproc) CPUs ($(date -u +%Y-%m-%d)): the example MLP
(\`model-repo/classifier\`, 4→16→3, ONNX Runtime). Server: wrk, 1 connection, one request of one
row at a time, after the server warm-up and ${SETTLE} s of load; ${MEASURE} s measured per row.
In-process: EngineBenchmark calling the same ONNX Runtime session directly at batch 1 (mean).
Overhead = server p50 − in-process compute: HTTP parsing, decoding, admission, the batcher, encoding
and the loopback round trip (wrk's own time included). Triton publishes about 30–200 µs for the same
measure.

| request | server p50 (µs) | server p99 (µs) | in-process (µs) | overhead (µs) |
|---|---|---|---|---|
$(row "REST JSON" "$JSON_P50" "$JSON_P99")
$(row "REST binary" "$BIN_P50" "$BIN_P99")
EOF
)
if [[ "$OUT" != "-" ]]; then
  printf '%s\n' "$REPORT" >"$OUT"
  log "report written to ${OUT#"$ROOT"/}"
fi
printf '%s\n' "$REPORT"
