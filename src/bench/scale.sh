#!/usr/bin/env bash
# How cost grows with the number of models: for 1, 50 and 200 copies of a small ONNX model (the
# example classifier), the time from process start to /v2/health/ready, the server's resident
# memory once ready, and the latency of one model (wrk, 1 connection, --seconds seconds).
#
#   src/bench/scale.sh [--no-build] [--counts 1,50,200] [--seconds S] [--out FILE]
#
# Traffic goes to 127.0.0.1 only; every server is stopped before the script ends.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

BUILD=1
COUNTS="1,50,200"
SECONDS_PER_RUN=10
OUT="$ROOT/docs/benchmarks/scale.md"
WORK="$ROOT/target/bench/scale"
JAVA="${JAVA:-java}"
PORT=18280
READY_TIMEOUT=600

while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0; shift ;;
    --counts) COUNTS="$2"; shift 2 ;;
    --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n 2,8p "$0"; exit 0 ;;
    *) echo "scale.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

log() { printf '[scale] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
command -v wrk >/dev/null || die "wrk is missing (Debian: apt-get install -y wrk)"

JAR="$ROOT/server/target/model-server.jar"
if [[ $BUILD == 1 ]]; then
  log "building the server jar"
  mvn -B -q package -DskipTests -Dspotless.check.skip -Dspotbugs.skip -Djacoco.skip >/dev/null
fi
[[ -f "$JAR" ]] || die "$JAR is missing: run without --no-build"

rm -rf "$WORK"
mkdir -p "$WORK"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

BODY="$WORK/body.json"
printf '{"inputs":[{"name":"features","shape":[1,4],"datatype":"FP32","data":[0.1,0.2,0.3,0.4]}]}' >"$BODY"
ROWS=()
for count in ${COUNTS//,/ }; do
  repo="$WORK/repo-$count"
  mkdir -p "$repo"
  for i in $(seq 1 "$count"); do
    mkdir -p "$repo/m$i/1"
    cp "$ROOT/model-repo/classifier/config.yaml" "$repo/m$i/"
    # Hard links: one model file on disk, each a model of its own to the server.
    ln "$ROOT/model-repo/classifier/1/model.onnx" "$repo/m$i/1/model.onnx" 2>/dev/null \
      || cp "$ROOT/model-repo/classifier/1/model.onnx" "$repo/m$i/1/model.onnx"
    sed -i '/label_filename/d' "$repo/m$i/config.yaml"
  done
  log "$count models: starting"
  t0=$(date +%s%N)
  "$JAVA" -jar "$JAR" --model-repository="$repo" --http-port="$PORT" --http-address=127.0.0.1 \
    --grpc-port=0 --grpc-address=127.0.0.1 --management-port=-1 --grpc-management-port=-1 \
    --warmup-seconds=0 >"$WORK/server-$count.log" 2>&1 &
  SERVER_PID=$!
  deadline=$((SECONDS + READY_TIMEOUT))
  until curl -sf "http://127.0.0.1:$PORT/v2/health/ready" >/dev/null 2>&1; do
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited (log: $WORK/server-$count.log)"
    ((SECONDS < deadline)) || die "not ready within ${READY_TIMEOUT}s (log: $WORK/server-$count.log)"
    sleep 0.05
  done
  ready_ms=$((($(date +%s%N) - t0) / 1000000))
  rss_kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status")
  BENCH_BODY="$BODY" wrk -t1 -c1 -d"${SECONDS_PER_RUN}s" --latency -s "$ROOT/src/bench/infer.lua" \
    "http://127.0.0.1:$PORT/v2/models/m1/infer" >"$WORK/wrk-$count.log" 2>&1 || die "wrk failed"
  read -r p50 p99 rps < <(awk '/^BENCH/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "%d %d %.0f\n", v["p50_us"], v["p99_us"], v["requests"] / (v["duration_us"] / 1e6) }' \
      "$WORK/wrk-$count.log")
  rss_after_kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status")
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  log "$count models: ready in $ready_ms ms, RSS $((rss_kb / 1024)) MiB; one model p50 ${p50} us, p99 ${p99} us"
  ROWS+=("| $count | $ready_ms | $((rss_kb / 1024)) | $((rss_after_kb / 1024)) | $p50 | $p99 | $rps |")
done

REPORT=$(
  cat <<EOF
# How cost grows with the number of models

Measured by \`src/bench/scale.sh\` on $(nproc) CPUs ($(date -u +%Y-%m-%d)): N copies of the example
classifier (a 4→16→3 ONNX MLP, one CPU instance each, dynamic batching), JVM defaults,
\`--warmup-seconds=0\`. Ready: process start to \`/v2/health/ready\`. RSS: resident memory once
ready, and after the latency run. Latency: one model, one connection, ${SECONDS_PER_RUN} s of REST JSON.

| models | ready (ms) | RSS ready (MiB) | RSS after (MiB) | p50 (µs) | p99 (µs) | req/s |
|---|---|---|---|---|---|---|
$(printf '%s\n' "${ROWS[@]}")
EOF
)
if [[ "$OUT" != "-" ]]; then
  printf '%s\n' "$REPORT" >"$OUT"
  log "report written to ${OUT#"$ROOT"/}"
fi
printf '%s\n' "$REPORT"
