#!/usr/bin/env bash
# Shadow traffic's cost to callers, in alternating rounds on a noisy machine: the example classifier
# (ONNX) served with shadow traffic off, then at 100% to the other version (or the other way round,
# alternating), driven by wrk for the same time each; caller-visible p50/p99 latency and throughput,
# and the on/off ratios taken within each round (the median round is reported).
#
#   src/bench/shadow.sh [--rounds N] [--seconds S] [--percent P] [--out FILE] [--no-build]
#
# Each round also has a control turn (the shadow off again), whose ratio to "off" shows the noise
# of the machine alone. Two loads: 1 connection (closed loop: the latency a lone caller sees, the CPUs not saturated by
# callers) and 8 connections (the server near saturation on a small machine, where the shadow's
# CPU is taken from callers and shadow work is dropped once its queue is full). The server runs on
# 127.0.0.1 on a free port with an admin token (no management listener); every process it starts
# is stopped on exit. Writes docs/benchmarks/shadow.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
ROUNDS=3
SECONDS_PER_TURN=10
WARMUP=10
BUILD=1
OUT="$ROOT/docs/benchmarks/shadow.md"
WORK="$ROOT/target/bench/shadow"
PYTHON="${PYTHON:-/usr/bin/python3}"
JAVA="${JAVA:-java}"
TOKEN="shadow-bench-token"
PERCENT=100
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --seconds) SECONDS_PER_TURN="$2"; shift 2 ;;
    --percent) PERCENT="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n 2,16p "$0"; exit 0 ;;
    *) echo "shadow.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

BENCH_TAG=shadow
# shellcheck source=src/bench/lib.sh
source "$ROOT/src/bench/lib.sh"
if [[ $BUILD == 1 ]]; then
  log "building the server jar"
  # The machine is shared: Maven runs one at a time.
  flock /tmp/mvn.lock mvn -B -o -q -pl server -am package -DskipTests -Dspotless.check.skip \
    -Dspotbugs.skip -Djacoco.skip >/dev/null
fi
[[ -f "$JAR" ]] || die "$JAR is missing: run without --no-build"
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

rm -rf "$WORK"
mkdir -p "$WORK/repo"
cp -r "$ROOT/model-repo/classifier" "$WORK/repo/"
BODY="$WORK/classifier.json"
printf '%s' '{"inputs":[{"name":"features","shape":[1,4],"datatype":"FP32","data":[0.5,-1.25,2.0,0.75]}]}' >"$BODY"

PORT="$(free_port)"
log "starting the server on 127.0.0.1:$PORT"
start_server "$JAVA" "$JAR" "$PORT" "$WORK/repo" "$WORK/server.log" --admin-token="$TOKEN"
URL="http://127.0.0.1:$PORT/v2/models/classifier"
AUTH=(-H "Authorization: Bearer $TOKEN")

shadow_on() {
  curl -sf "${AUTH[@]}" -X PUT -H 'Content-Type: application/json' \
    -d "{\"version\": 1, \"percent\": $PERCENT}" "$URL/shadow" >/dev/null || die "PUT /shadow failed"
}
shadow_off() { curl -sf "${AUTH[@]}" -X DELETE "$URL/shadow" >/dev/null || die "DELETE /shadow failed"; }
# shadow_counts: "mirrored dropped failed" for version 2 (the default) shadowed by version 1.
shadow_counts() {
  curl -sf "${AUTH[@]}" "$URL/shadow" | "$PYTHON" -c '
import json, sys
for pair in json.load(sys.stdin)["agreement"]:
    if pair["version"] == "2" and pair["shadow_version"] == "1":
        print(pair["mirrored"], pair["dropped"], pair["failed"]); break
else:
    print(0, 0, 0)'
}

# turn NAME CONNECTIONS: one wrk turn; prints "rps p50_us p99_us".
turn() {
  local log="$WORK/wrk-$1-c$2-$ROUND.log"
  wrk_run "$log" "$URL/infer" "$BODY" "$SECONDS_PER_TURN" "$2"
  local out
  out="$(bench_field "$log" rps p50_us p99_us)"
  [[ $out != ERR ]] || die "failed requests in round $ROUND (log: $log)"
  printf '%s\n' "$out"
}

log "warming up (${WARMUP} s with the shadow on, ${WARMUP} s off)"
shadow_on
wrk_run "$WORK/warm-on.log" "$URL/infer" "$BODY" "$WARMUP" 8
shadow_off
wrk_run "$WORK/warm-off.log" "$URL/infer" "$BODY" "$WARMUP" 8

ROWS=()
SIDES=(off on ctl)
for ROUND in $(seq 1 "$ROUNDS"); do
  for C in 1 8; do
    # Rotate which side goes first, so that drift in the machine's load hits all alike. "ctl" is
    # a second turn with the shadow off: its ratio to "off" is the noise the machine makes alone.
    for k in 0 1 2; do
      side="${SIDES[$(((ROUND - 1 + k) % 3))]}"
      case "$side" in
        on)
          shadow_on
          res="$(shadow_counts)"
          read -r m0 d0 f0 <<<"$res"
          res="$(turn on "$C")"
          read -r on_rps on_p50 on_p99 <<<"$res"
          sleep 0.5 # the last shadow runs finish
          res="$(shadow_counts)"
          read -r m1 d1 f1 <<<"$res"
          shadow_off
          ;;
        off)
          res="$(turn off "$C")"
          read -r off_rps off_p50 off_p99 <<<"$res"
          ;;
        ctl)
          res="$(turn ctl "$C")"
          read -r ctl_rps ctl_p50 ctl_p99 <<<"$res"
          ;;
      esac
    done
    mirrored=$((m1 - m0)) dropped=$((d1 - d0)) failed=$((f1 - f0))
    load="$(cut -d' ' -f1 /proc/loadavg)"
    row=$(awk -v r="$ROUND" -v c="$C" -v l="$load" -v fr="$off_rps" -v f5="$off_p50" -v f9="$off_p99" \
      -v nr="$on_rps" -v n5="$on_p50" -v n9="$on_p99" -v cr="$ctl_rps" -v c5="$ctl_p50" -v c9="$ctl_p99" \
      -v m="$mirrored" -v d="$dropped" -v fl="$failed" -v s="$SECONDS_PER_TURN" \
      'BEGIN { printf "| %d | %d | %s | %d | %d | %d | %d | %d | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %d | %d | %d | %.0f%% |",
        r, c, l, fr, f5, f9, nr, n5, n9, n5 / f5, n9 / f9, nr / fr, c5 / f5, c9 / f9, cr / fr, m, d, fl,
        (nr * s > 0 ? 100 * m / (nr * s) : 0) }')
    log "$row"
    ROWS+=("$row")
  done
done
stop_server

# median COLUMN CONNECTIONS: the median of a column (1-based in the row's | fields) over the rounds.
median() {
  printf '%s\n' "${ROWS[@]}" | awk -F'|' -v c="$1" -v k="$2" '{ gsub(/ /, "", $3) } $3 == k { gsub(/ /, "", $c); print $c }' \
    | sort -g | awk '{ v[NR] = $1 } END { printf "%s [%s..%s]", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
REPORT=$(
  cat <<EOF
# Shadow traffic: caller-visible latency with the shadow off and at ${PERCENT}%

Measured by \`src/bench/shadow.sh\` on $(nproc) CPUs shared with other tenants
($(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)): the example \`classifier\`
(ONNX, dynamic batching), requests without a version (answered by version 2, the default), REST
JSON, one row per request. "On" mirrors ${PERCENT}% of them to version 1 (\`PUT /v2/models/classifier/shadow\`
\`{"version": 1, "percent": ${PERCENT}}\`); "off" is the same server after \`DELETE\`. wrk drives each side
for ${SECONDS_PER_TURN} s, off, on and a control turn (off again) rotating which goes first,
${ROUNDS} rounds, after a
${WARMUP} s warm-up of each. Ratios are on / off within a round; the load column is the 1-minute
load average at the end of the round (the machine has $(nproc) CPUs).

| Round | Connections | Load | Off req/s | Off p50 µs | Off p99 µs | On req/s | On p50 µs | On p99 µs | p50 on/off | p99 on/off | req/s on/off | p50 ctl/off | p99 ctl/off | req/s ctl/off | Mirrored | Dropped | Failed | Mirrored share |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
$(printf '%s\n' "${ROWS[@]}")

Medians over the rounds (min..max in brackets), shadow on against off, and the control (a second
turn with the shadow off) against off, which is the machine's own noise:

| Connections | p50 on/off | p50 ctl/off | p99 on/off | p99 ctl/off | req/s on/off | req/s ctl/off |
|---:|---:|---:|---:|---:|---:|---:|
| 1 | $(median 11 1) | $(median 14 1) | $(median 12 1) | $(median 15 1) | $(median 13 1) | $(median 16 1) |
| 8 | $(median 11 8) | $(median 14 8) | $(median 12 8) | $(median 15 8) | $(median 13 8) | $(median 16 8) |

"Mirrored share" is the mirrored count over the requests answered in the "on" turn; the rest were
dropped (\`Dropped\`): the shadow worker runs in the idle scheduling class with a budget of a tenth
of one core, so on a busy machine it takes few of them and its 16-request backlog is full.
EOF
)
if [[ "$OUT" != "-" ]]; then
  printf '%s\n' "$REPORT" >"$OUT"
  log "report written to ${OUT#"$ROOT"/}"
fi
printf '%s\n' "$REPORT"
