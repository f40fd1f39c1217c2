#!/usr/bin/env bash
# Paired comparisons for a noisy machine: the server against the FastAPI peer and against the
# engine's in-process ceiling, measured in alternating rounds so that other load on the machine
# hits both sides alike. run.sh measures each scenario once, one after the other, so on a shared
# machine whose load moves by several cores within minutes its ratios mix different conditions;
# here each ratio is taken round by round, and the median round is reported.
#
#   src/bench/pairs.sh [--rounds N] [--seconds S] [--out FILE]
#
# Uses what src/bench/run.sh prepared under target/bench (the mlp-batching and cnn repositories,
# the request bodies, the runtime classpath, the exported ResNet-18): run it once first. Starts the
# server jar (both repositories) and the peer (src/bench/peer/fastapi_peer.py, one process per
# core) side by side on 127.0.0.1; the idle side waits while the other is driven. Rounds:
#   MLP: server REST JSON (mlp-batching), then the peer, wrk at 64 connections;
#   CNN: server REST JSON, server REST binary, the peer (TorchScript file), wrk at 8 connections,
#        then the in-process ceiling (EngineBenchmark on the ONNX file, batch 1..16).
# Writes docs/benchmarks/pairs.md. Every process it starts is stopped on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
ROUNDS=3
SECONDS_PER_TURN=10
WARMUP=30
OUT="$ROOT/docs/benchmarks/pairs.md"
WORK="$ROOT/target/bench"
PYTHON="${PYTHON:-/usr/bin/python3}"
JAVA="${JAVA:-java}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --seconds) SECONDS_PER_TURN="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n 2,18p "$0"; exit 0 ;;
    *) echo "pairs.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

BENCH_TAG=pairs
# shellcheck source=src/bench/lib.sh
source "$ROOT/src/bench/lib.sh"
for f in "$WORK/repos/mlp-batching" "$WORK/repos/cnn" "$WORK/bodies/classifier.json" \
  "$WORK/bodies/resnet18.json" "$WORK/bodies/resnet18.bin" "$WORK/runtime.classpath" \
  "$WORK/models/resnet18_torch/1/model.pt" "$JAR"; do
  [[ -e "$f" ]] || die "$f is missing: run src/bench/run.sh once first"
done
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

PIDS=()
stop_all() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
trap stop_all EXIT

# One server on both repositories' models: the MLP (classifier) and the CNN (resnet18).
REPO="$WORK/pairs/repo"
rm -rf "$WORK/pairs"
mkdir -p "$REPO"
cp -r "$WORK/repos/mlp-batching/classifier" "$WORK/repos/cnn/resnet18" "$REPO/"
SPORT="$(free_port)"
log "starting the server on 127.0.0.1:$SPORT"
start_server "$JAVA" "$JAR" "$SPORT" "$REPO" "$WORK/pairs/server.log"
PIDS+=("$SERVER_PID")
SERVER_PID=""
PPORT="$(free_port)"
log "starting the peer on 127.0.0.1:$PPORT ($(nproc) workers)"
PEER_MODELS="classifier_torch=$ROOT/model-repo/classifier_torch/2/model.pt,resnet18_torch=$WORK/models/resnet18_torch/1/model.pt" \
  PEER_TORCH_THREADS=1 "$PYTHON" -m uvicorn fastapi_peer:app --app-dir "$ROOT/src/bench/peer" \
  --host 127.0.0.1 --port "$PPORT" --workers "$(nproc)" --log-level warning --no-access-log \
  >"$WORK/pairs/peer.log" 2>&1 &
PIDS+=("$!")
until curl -sf -o /dev/null "http://127.0.0.1:$PPORT/v2/health/ready"; do sleep 0.3; done
sleep 3

SURL="http://127.0.0.1:$SPORT/v2/models"
PURL="http://127.0.0.1:$PPORT/v2/models"
HLEN="$(cat "$WORK/bodies/resnet18.bin.hlen")"
# turn NAME URL BODY CONNECTIONS [HEADER_LENGTH]: one wrk turn; prints requests/s.
turn() {
  local log="$WORK/pairs/wrk-$1-$ROUND.log"
  wrk_run "$log" "$2" "$3" "$SECONDS_PER_TURN" "$4" "${5:-}"
  bench_field "$log" rps
}
log "warming both up (${WARMUP} s each on the MLP, 10 s each on the CNN)"
wrk_run "$WORK/pairs/warm-s.log" "$SURL/classifier/infer" "$WORK/bodies/classifier.json" "$WARMUP" 64
wrk_run "$WORK/pairs/warm-p.log" "$PURL/classifier_torch/infer" "$WORK/bodies/classifier.json" 5 64
wrk_run "$WORK/pairs/warm-sc.log" "$SURL/resnet18/infer" "$WORK/bodies/resnet18.json" 10 8
wrk_run "$WORK/pairs/warm-pc.log" "$PURL/resnet18_torch/infer" "$WORK/bodies/resnet18.json" 10 8

CP="$ROOT/runtime/target/classes:$ROOT/src/bench/target/classes:$(cat "$WORK/runtime.classpath")"
ceiling() {
  "$JAVA" -cp "$CP" org.modelserver.bench.EngineBenchmark --model "$REPO/resnet18/1/model.onnx" \
    --name resnet18 --max-batch 16 --seconds 2 --warmup 1 --threads 0 >"$WORK/pairs/engine-$ROUND.log" 2>&1 \
    || die "EngineBenchmark failed ($WORK/pairs/engine-$ROUND.log)"
  sed -n 's/.*inferences_per_s=\([0-9.]*\).*/\1/p' "$WORK/pairs/engine-$ROUND.log" | tail -1
}

ROWS=()
for ROUND in $(seq 1 "$ROUNDS"); do
  log "round $ROUND of $ROUNDS"
  m_s=$(turn mlp-server "$SURL/classifier/infer" "$WORK/bodies/classifier.json" 64)
  m_p=$(turn mlp-peer "$PURL/classifier_torch/infer" "$WORK/bodies/classifier.json" 64)
  c_s=$(turn cnn-json "$SURL/resnet18/infer" "$WORK/bodies/resnet18.json" 8)
  c_b=$(turn cnn-binary "$SURL/resnet18/infer" "$WORK/bodies/resnet18.bin" 8 "$HLEN")
  c_p=$(turn cnn-peer "$PURL/resnet18_torch/infer" "$WORK/bodies/resnet18.json" 8)
  c_e=$(ceiling)
  for v in "$m_s" "$m_p" "$c_s" "$c_b" "$c_p"; do [[ $v != ERR ]] || die "failed requests in round $ROUND (logs in $WORK/pairs)"; done
  load="$(cut -d' ' -f1 /proc/loadavg)"
  row=$(awk -v ms="$m_s" -v mp="$m_p" -v cs="$c_s" -v cb="$c_b" -v cp="$c_p" -v ce="$c_e" -v r="$ROUND" -v l="$load" \
    'BEGIN { printf "| %d | %s | %d | %d | %.2f | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %.2f |", r, l, ms, mp, ms / mp, cs, cb, cp, ce, cs / cp, cs / ce, cb / ce }')
  log "$row"
  ROWS+=("$row")
done
stop_all

median_col() { # column number (1-based in the row's | fields)
  printf '%s\n' "${ROWS[@]}" | awk -F'|' -v c="$1" '{ gsub(/ /, "", $c); print $c }' | sort -g \
    | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
REPORT=$(
  cat <<EOF
# Paired rounds: server against the FastAPI peer and the in-process ceiling

Measured by \`src/bench/pairs.sh\` on $(nproc) CPUs ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)):
one server (the \`mlp-batching\` classifier and the \`cnn\` ResNet-18 of \`run.sh\`) and the FastAPI
peer ($(nproc) uvicorn workers, the same TorchScript files) run side by side, driven in turn by wrk
for ${SECONDS_PER_TURN} s each, ${ROUNDS} rounds, after a warm-up; then ONNX Runtime alone on the
same ResNet-18 file (EngineBenchmark, batch 1 to 16, best kept). The 1-minute load average at the
end of each round shows how busy the machine was: the ratios are taken within a round.

| Round | Load | MLP server req/s | MLP peer req/s | MLP server / peer | CNN JSON inf/s | CNN binary inf/s | CNN peer inf/s | CNN in-process inf/s | CNN JSON / peer | CNN JSON / in-process | CNN binary / in-process |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
$(printf '%s\n' "${ROWS[@]}")

Medians over the rounds: MLP server / peer **$(median_col 6)**; CNN JSON / peer **$(median_col 11)**;
CNN JSON / in-process **$(median_col 12)**; CNN binary / in-process **$(median_col 13)**.

MLP: REST JSON at 64 connections (server: ONNX, dynamic batching; peer: the same MLP as
TorchScript). CNN: 8 connections; the server's ResNet-18 is the ONNX export, the peer's the
TorchScript export with the same weights, so "CNN JSON / peer" also holds the engines' difference.
EOF
)
if [[ "$OUT" != "-" ]]; then
  printf '%s\n' "$REPORT" >"$OUT"
  log "report written to ${OUT#"$ROOT"/}"
fi
printf '%s\n' "$REPORT"
