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

BENCH_TAG=scale
# shellcheck source=src/bench/lib.sh
source "$ROOT/src/bench/lib.sh"
bench_build "$BUILD"
rm -rf "$WORK"
mkdir -p "$WORK"

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
  start_server "$JAVA" "$JAR" "$PORT" "$repo" "$WORK/server-$count.log" --warmup-seconds=0
  rss_kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status")
  wrk_run "$WORK/wrk-$count.log" "http://127.0.0.1:$PORT/v2/models/m1/infer" "$BODY" \
    "$SECONDS_PER_RUN" 1
  read -r p50 p99 rps < <(bench_field "$WORK/wrk-$count.log" p50_us p99_us rps)
  [[ $p50 != ERR ]] || die "requests failed (log: $WORK/wrk-$count.log)"
  rss_after_kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status")
  stop_server
  log "$count models: ready in $READY_MS ms, RSS $((rss_kb / 1024)) MiB; one model p50 ${p50} us, p99 ${p99} us"
  ROWS+=("| $count | $READY_MS | $((rss_kb / 1024)) | $((rss_after_kb / 1024)) | $p50 | $p99 | $rps |")
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
