#!/usr/bin/env bash
# Many replicas on one machine (issue 16): a Kubernetes Deployment simulated with real processes.
# Three server processes share one model repository in poll mode behind HAProxy (round robin,
# HTTP health checks on /v2/health/ready). Under steady wrk load through HAProxy it
#   a) rolls out a new version of `classifier` (copied to a hidden folder, then one rename) and
#      times each replica's convergence;
#   b) kills one replica with SIGKILL, with plain HAProxy settings and then with retries and
#      redispatch, and counts the failed requests of each;
#   c) fine-tunes `regressor_torch` on ONE replica (its training API) and times the others
#      serving the published version.
# It writes docs/benchmarks/replicas.md and prints it. NOT part of CI: it takes about 2.5 minutes
# on 2 CPUs, needs haproxy (installed with apt-get when missing and root) and wrk.
#
#   src/bench/replicas.sh [--jar FILE] [--build] [--replicas N] [--poll-secs N]
#       [--warmup-seconds N] [--connections N] [--phase-seconds N] [--kill-after N]
#       [--java-opt OPT]... [--out FILE]
#
#   --jar FILE          server jar (default server/target/model-server.jar; copied before use)
#   --build             package the jar first (mvn package, tests skipped)
#   --replicas N        server processes (default 3, at least 2)
#   --poll-secs N       --repository-poll-secs of every replica (default 2)
#   --warmup-seconds N  --warmup-seconds of every replica (default 2; the server's default is 10)
#   --connections N     wrk connections through HAProxy (default 8)
#   --phase-seconds N   wrk run of each phase (default 12)
#   --kill-after N      seconds into a kill phase before the SIGKILL (default 4)
#   --java-opt OPT      a JVM option for every replica (repeatable; default -Xmx768m)
#   --out FILE          the report (default docs/benchmarks/replicas.md)
#
# Traffic goes to 127.0.0.1 only, on free ports (never 8000/8001/8081/8082). Everything it starts
# (replicas, HAProxy, wrk) is stopped on exit. Exit status: 0 when every target was met, 3 when
# the report names one missed, 1 on a harness failure.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

JAR="$ROOT/server/target/model-server.jar"
BUILD=0
REPLICAS=3
POLL_SECS=2
WARMUP_SECS=2
CONNECTIONS=8
PHASE_SECS=12
KILL_AFTER=4
JAVA_OPTS=()
OUT="$ROOT/docs/benchmarks/replicas.md"
WORK="$ROOT/target/bench/replicas"
JAVA="${JAVA:-java}"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jar) JAR="$(realpath "$2")"; shift 2 ;;
    --build) BUILD=1; shift ;;
    --replicas) REPLICAS="$2"; shift 2 ;;
    --poll-secs) POLL_SECS="$2"; shift 2 ;;
    --warmup-seconds) WARMUP_SECS="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --phase-seconds) PHASE_SECS="$2"; shift 2 ;;
    --kill-after) KILL_AFTER="$2"; shift 2 ;;
    --java-opt) JAVA_OPTS+=("$2"); shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "replicas.sh: unknown option $1 (--help lists them)" >&2; exit 2 ;;
  esac
done
((REPLICAS >= 2)) || { echo "replicas.sh: --replicas must be at least 2" >&2; exit 2; }
((${#JAVA_OPTS[@]} > 0)) || JAVA_OPTS=(-Xmx768m)

log() { printf '[replicas %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "$*"; exit 1; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# --- Tools -------------------------------------------------------------------------------------
if ! command -v haproxy >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing haproxy (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy >/dev/null
  fi
fi
command -v haproxy >/dev/null || die "haproxy is missing (Debian: apt-get install -y haproxy)"
command -v wrk >/dev/null || die "wrk is missing (Debian: apt-get install -y wrk)"
command -v curl >/dev/null || die "curl is missing"
command -v python3 >/dev/null || die "python3 is missing (used to pick free ports)"

if ((BUILD)); then
  log "building the server jar"
  (cd "$ROOT" && mvn -B -q package -DskipTests -Dspotless.check.skip -Dspotbugs.skip \
    -Djacoco.skip >/dev/null)
fi
[[ -f "$JAR" ]] || die "$JAR is missing (build it, or pass --jar or --build)"

# --- Processes, stopped on exit ------------------------------------------------------------------
declare -a PID HTTP GRPC
HAPROXY_PID=""
WRK_PID=""
cleanup() {
  local pid
  for pid in "$WRK_PID" "$HAPROXY_PID" "${PID[@]:-}"; do
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  done
  for pid in "$WRK_PID" "$HAPROXY_PID" "${PID[@]:-}"; do
    [[ -n "$pid" ]] && wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

T_START=$(now_ms)
rm -rf "$WORK"
mkdir -p "$WORK/data"
# A private copy: a rebuild of server/target during the run cannot change the replicas' jar.
cp "$JAR" "$WORK/model-server.jar"

# One shared repository: the ONNX classifier and two TorchScript models.
REPO="$WORK/repo"
mkdir -p "$REPO"
cp -r model-repo/classifier model-repo/regressor_torch model-repo/binary_classifier_torch "$REPO/"

TOKEN="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
(umask 077 && printf '%s' "$TOKEN" >"$WORK/admin-token")
AUTH=(-H "Authorization: Bearer $TOKEN")

# Free ports, held together while picked so they differ; 8000-8082 are never returned (the kernel
# picks from the ephemeral range).
read -r -a PORTS < <(python3 -c '
import socket, sys
n = int(sys.argv[1]); socks = []
for _ in range(n):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))' $((2 * REPLICAS + 2)))
for ((i = 1; i <= REPLICAS; i++)); do
  HTTP[i]=${PORTS[2 * i - 2]}
  GRPC[i]=${PORTS[2 * i - 1]}
done
LB_PORT=${PORTS[2 * REPLICAS]}
STATS_PORT=${PORTS[2 * REPLICAS + 1]}
LB="http://127.0.0.1:$LB_PORT"

# start_replica I: replica 1 may train (its data in $WORK/data); the others only serve.
start_replica() {
  local i=$1 training=(--max-training-jobs=0)
  if ((i == 1)); then training=(--max-training-jobs=1 --training-data-dir="$WORK/data"); fi
  "$JAVA" "${JAVA_OPTS[@]}" -jar "$WORK/model-server.jar" --model-repository="$REPO" \
    --model-control-mode=poll --repository-poll-secs="$POLL_SECS" \
    --http-address=127.0.0.1 --http-port="${HTTP[i]}" \
    --grpc-address=127.0.0.1 --grpc-port="${GRPC[i]}" \
    --management-port=-1 --grpc-management-port=-1 \
    --admin-token-file="$WORK/admin-token" --warmup-seconds="$WARMUP_SECS" "${training[@]}" \
    >>"$WORK/replica-$i.log" 2>&1 &
  PID[i]=$!
}

# wait_ready I...: waits until each replica answers /v2/health/ready; prints ms waited.
wait_ready() {
  local t0 deadline i
  t0=$(now_ms)
  deadline=$((SECONDS + 240))
  for i in "$@"; do
    until curl -sf "http://127.0.0.1:${HTTP[i]}/v2/health/ready" >/dev/null 2>&1; do
      kill -0 "${PID[i]}" 2>/dev/null || die "replica $i exited at start (log: $WORK/replica-$i.log)"
      ((SECONDS < deadline)) || die "replica $i was not ready in 240 s (log: $WORK/replica-$i.log)"
      sleep 0.1
    done
  done
  echo $(($(now_ms) - t0))
}

# --- HAProxy -------------------------------------------------------------------------------------
# write_haproxy_cfg MODE: MODE is plain (HAProxy's defaults: 3 connection retries on the same
# server, no redispatch, no L7 retries) or retry.
write_haproxy_cfg() {
  local mode=$1 i
  {
    cat <<EOF
global
    maxconn 2000
    log stdout format raw local0

defaults
    mode http
    log global
    option httplog
    option dontlog-normal
    timeout connect 500ms
    timeout client 30s
    timeout server 10s
    timeout check 1s

frontend inference
    bind 127.0.0.1:$LB_PORT
    default_backend replicas

backend replicas
    balance roundrobin
    option httpchk
    http-check send meth GET uri /v2/health/ready
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
EOF
    if [[ $mode == retry ]]; then
      cat <<'EOF'
    # Replay an inference POST on another replica when its replica fails before answering.
    option http-buffer-request
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
EOF
    fi
    for ((i = 1; i <= REPLICAS; i++)); do
      echo "    server r$i 127.0.0.1:${HTTP[i]} check"
    done
    cat <<EOF

listen stats
    bind 127.0.0.1:$STATS_PORT
    stats enable
    stats uri /stats
EOF
  } >"$WORK/haproxy-$mode.cfg"
}

start_haproxy() {
  local mode=$1
  write_haproxy_cfg "$mode"
  haproxy -c -q -f "$WORK/haproxy-$mode.cfg" || die "invalid HAProxy config $WORK/haproxy-$mode.cfg"
  haproxy -db -f "$WORK/haproxy-$mode.cfg" >>"$WORK/haproxy-$mode.log" 2>&1 &
  HAPROXY_PID=$!
  HAPROXY_MODE=$mode
}

stop_haproxy() {
  if [[ -n "$HAPROXY_PID" ]]; then
    kill "$HAPROXY_PID" 2>/dev/null || true
    wait "$HAPROXY_PID" 2>/dev/null || true
  fi
  HAPROXY_PID=""
}

# lb_stat ROW FIELD: one field of HAProxy's CSV statistics (ROW: r1.., BACKEND).
lb_stat() {
  curl -s "http://127.0.0.1:$STATS_PORT/stats;csv" | awk -F, -v row="$1" -v field="$2" '
    NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) col[$i] = i; next }
    $1 == "replicas" && $2 == row { print $col[field] }'
}

# wait_lb STATE I...: waits until HAProxy reports each server I in STATE (UP or DOWN).
wait_lb() {
  local state=$1 i deadline=$((SECONDS + 60))
  shift
  for i in "$@"; do
    until [[ $(lb_stat "r$i" status) == "$state" ]]; do
      ((SECONDS < deadline)) || die "HAProxy did not see r$i $state in 60 s"
      sleep 0.05
    done
  done
}

# --- Load ----------------------------------------------------------------------------------------
BODY="$WORK/body.json"
printf '{"inputs":[{"name":"features","shape":[1,4],"datatype":"FP32","data":[0.1,0.2,0.3,0.4]}]}' \
  >"$BODY"

# start_load NAME: wrk through HAProxy for --phase-seconds, in the background.
start_load() {
  BENCH_BODY="$BODY" wrk -t2 -c"$CONNECTIONS" -d"${PHASE_SECS}s" --timeout 10s \
    -s "$ROOT/src/bench/replicas.lua" "$LB/v2/models/classifier/infer" >"$WORK/wrk-$1.log" 2>&1 &
  WRK_PID=$!
  LOAD_T0=$(now_ms)
  RETRIES_T0=$(lb_stat BACKEND wretr)
  REDISPATCH_T0=$(lb_stat BACKEND wredis)
}

# finish_load NAME: waits for wrk; appends the phase's row to ROWS.
declare -a ROWS
finish_load() {
  local name=$1 line
  wait "$WRK_PID" || die "wrk failed (log: $WORK/wrk-$name.log)"
  WRK_PID=""
  line=$(grep '^REPLICAS' "$WORK/wrk-$name.log") || die "no summary from wrk ($WORK/wrk-$name.log)"
  # shellcheck disable=SC2034 # set by eval from wrk's key=value line
  local requests non2xx connect read write timeout duration_us p50_us p99_us max_us statuses versions
  eval "$(tr ' ' '\n' <<<"${line#REPLICAS }" | grep -E '^[a-z0-9_]+=[A-Za-z0-9:,_.-]+$')"
  PHASE_FAILED=$((non2xx + connect + read + write + timeout))
  local retries=$(($(lb_stat BACKEND wretr) - RETRIES_T0)) redispatches=$(($(lb_stat BACKEND wredis) - REDISPATCH_T0))
  ROWS+=("| $name | $HAPROXY_MODE | $requests | $PHASE_FAILED | $statuses | $connect/$read/$write/$timeout | $retries / $redispatches | $versions | $((p50_us / 1000)).$(((p50_us % 1000) / 100)) / $((p99_us / 1000)) / $((max_us / 1000)) |")
  log "phase $name: $requests responses, $PHASE_FAILED failed (statuses $statuses; socket errors c/r/w/t $connect/$read/$write/$timeout; HAProxy retries $retries, redispatches $redispatches; versions $versions)"
}

# code URL [curl args]: the HTTP status of a GET (or of what the args make of it).
code() { curl -s -o /dev/null -w '%{http_code}' "${AUTH[@]}" "$@" || true; }

# converge MODEL VERSION T0 VAR: waits until every live replica says MODEL VERSION is ready;
# sets VAR[i] to the ms from T0 (or "no" after 30 s).
converge() {
  local model=$1 version=$2 t0=$3 var=$4 i pending=() deadline=$((SECONDS + 30))
  for ((i = 1; i <= REPLICAS; i++)); do pending+=("$i"); done
  while ((${#pending[@]} > 0)) && ((SECONDS < deadline)); do
    local still=()
    for i in "${pending[@]}"; do
      if [[ $(code "http://127.0.0.1:${HTTP[i]}/v2/models/$model/versions/$version/ready") == 200 ]]; then
        printf -v "$var[$i]" '%s' $(($(now_ms) - t0))
      else
        still+=("$i")
      fi
    done
    pending=("${still[@]}")
    ((${#pending[@]} == 0)) || sleep 0.05
  done
  for i in "${pending[@]}"; do printf -v "$var[$i]" '%s' no; done
}

# default_version MODEL I: the default version replica I serves (GET …/default, management).
default_version() {
  curl -s "${AUTH[@]}" "http://127.0.0.1:${HTTP[$2]}/v2/models/$1/default" \
    | sed -n 's/.*"version" *: *"\([^"]*\)".*/\1/p'
}

MISSED=()

# --- Start ---------------------------------------------------------------------------------------
log "starting $REPLICAS replicas on ${HTTP[*]} (gRPC ${GRPC[*]}), repository $REPO"
for ((i = 1; i <= REPLICAS; i++)); do start_replica "$i"; done
ALL=()
for ((i = 1; i <= REPLICAS; i++)); do ALL+=("$i"); done
START_MS=$(wait_ready "${ALL[@]}")
log "all replicas ready $START_MS ms after the last start"
start_haproxy plain
wait_lb UP "${ALL[@]}"
log "HAProxy on $LB, every server UP"

# --- a) Rollout ----------------------------------------------------------------------------------
VICTIM=$REPLICAS
OLD_VERSION=$(find "$REPO/classifier" -mindepth 1 -maxdepth 1 -name '[1-9]*' -printf '%f\n' | sort -n | tail -1)
NEW_VERSION=$((OLD_VERSION + 1))
log "a) rollout: classifier $OLD_VERSION -> $NEW_VERSION under load"
start_load rollout
sleep 2
# The scan lists only folders named by a number and skips hidden ones, so the copy is invisible
# until the rename; the rename is atomic within one file system.
cp -r "$REPO/classifier/$OLD_VERSION" "$REPO/classifier/.rollout-$NEW_VERSION"
sync -f "$REPO/classifier/.rollout-$NEW_VERSION" 2>/dev/null || true
ROLL_T0=$(now_ms)
mv -T "$REPO/classifier/.rollout-$NEW_VERSION" "$REPO/classifier/$NEW_VERSION"
declare -a ROLL_MS
converge classifier "$NEW_VERSION" "$ROLL_T0" ROLL_MS
# What HAProxy now answers with: every response should name the new version.
AFTER_VERSIONS=$(for _ in $(seq 1 $((REPLICAS * 10))); do
  { curl -s -X POST -H 'Content-Type: application/json' --data-binary @"$BODY" \
    "$LB/v2/models/classifier/infer"; echo; } | sed -n 's/.*"model_version" *: *"\([^"]*\)".*/\1/p'
done | sort | uniq -c | awk '{ printf "%s%s:%s", sep, $2, $1; sep = "," }')
declare -a ROLL_DEFAULT
for ((i = 1; i <= REPLICAS; i++)); do ROLL_DEFAULT[i]=$(default_version classifier "$i"); done
finish_load rollout
ROLL_FAILED=$PHASE_FAILED
log "a) convergence (ms after the rename): ${ROLL_MS[*]}; defaults ${ROLL_DEFAULT[*]}; $((REPLICAS * 10)) requests after it: $AFTER_VERSIONS"
((ROLL_FAILED == 0)) || MISSED+=("rollout: $ROLL_FAILED failed requests")
for ((i = 1; i <= REPLICAS; i++)); do
  if [[ ${ROLL_MS[i]} == no ]] || ((ROLL_MS[i] > 2 * POLL_SECS * 1000)); then
    MISSED+=("rollout: replica $i converged in ${ROLL_MS[i]} ms, not within two poll intervals")
  fi
  [[ ${ROLL_DEFAULT[i]} == "$NEW_VERSION" ]] || MISSED+=("rollout: replica $i default is '${ROLL_DEFAULT[i]}'")
done
[[ $AFTER_VERSIONS == "$NEW_VERSION:$((REPLICAS * 10))" ]] \
  || MISSED+=("rollout: after convergence HAProxy answered versions $AFTER_VERSIONS")

# --- b) SIGKILL one replica, plain and with retries ----------------------------------------------
declare -A KILL_DOWN_MS RESTART_MS
kill_phase() {
  local name=$1 t0
  log "b) $name: SIGKILL replica $VICTIM (pid ${PID[VICTIM]}) ${KILL_AFTER} s into the load"
  start_load "$name"
  sleep "$KILL_AFTER"
  t0=$(now_ms)
  kill -KILL "${PID[VICTIM]}"
  wait "${PID[VICTIM]}" 2>/dev/null || true
  wait_lb DOWN "$VICTIM"
  KILL_DOWN_MS[$name]=$(($(now_ms) - t0))
  finish_load "$name"
  log "b) $name: HAProxy marked r$VICTIM DOWN ${KILL_DOWN_MS[$name]} ms after the kill; restarting it"
  echo "--- restarted after the $name phase ---" >>"$WORK/replica-$VICTIM.log"
  start_replica "$VICTIM"
  RESTART_MS[$name]=$(wait_ready "$VICTIM")
  wait_lb UP "$VICTIM"
}
kill_phase kill-plain
KILL_PLAIN_FAILED=$PHASE_FAILED
stop_haproxy
start_haproxy retry
wait_lb UP "${ALL[@]}"
kill_phase kill-retry
KILL_RETRY_FAILED=$PHASE_FAILED
((KILL_RETRY_FAILED == 0)) || MISSED+=("kill with retries: $KILL_RETRY_FAILED failed requests")
# The restarted replica read the repository afresh: it must serve the rolled-out version too.
RESTARTED_DEFAULT=$(default_version classifier "$VICTIM")
[[ $RESTARTED_DEFAULT == "$NEW_VERSION" ]] \
  || MISSED+=("restarted replica $VICTIM serves classifier '$RESTARTED_DEFAULT' by default")

# --- c) Fine-tune on replica 1, served by all ----------------------------------------------------
FT_MODEL=regressor_torch
FT_BASE=$(find "$REPO/$FT_MODEL" -mindepth 1 -maxdepth 1 -name '[1-9]*' -printf '%f\n' | sort -n | tail -1)
FT_VERSION=$((FT_BASE + 1))
# y = 10x + 3 on 256 points of [-1, 1] (deterministic).
awk 'BEGIN { for (i = 0; i < 256; i++) { x = -1 + 2 * i / 255; printf "{\"x\": [%.6f], \"target\": [%.6f]}\n", x, 10 * x + 3 } }' \
  >"$WORK/data/line.jsonl"
FT_SPEC='{"dataset": {"format": "jsonl", "path": "line.jsonl"}, "epochs": 20, "batch_size": 32,
  "optimizer": {"type": "sgd", "lr": 0.1}, "seed": 1, "promote": "always"}'
log "c) fine-tune $FT_MODEL $FT_BASE on replica 1 (port ${HTTP[1]}) under load"
start_load finetune
sleep 2
FT_T0=$(now_ms)
FT_ACCEPTED=$(curl -s -w ' %{http_code}' "${AUTH[@]}" -H 'Content-Type: application/json' \
  -d "$FT_SPEC" "http://127.0.0.1:${HTTP[1]}/v2/models/$FT_MODEL/finetune")
[[ $FT_ACCEPTED == *' 202' ]] || die "the fine-tune request was refused: $FT_ACCEPTED"
FT_JOB=$(sed -n 's/.*"job_id" *: *"\([^"]*\)".*/\1/p' <<<"$FT_ACCEPTED")
# The version's folder appears by one rename when the job publishes: time the replicas from then.
deadline=$((SECONDS + 90))
until [[ -d "$REPO/$FT_MODEL/$FT_VERSION" ]]; do
  ((SECONDS < deadline)) || die "no version $FT_VERSION after 90 s (job $FT_JOB; log: $WORK/replica-1.log)"
  sleep 0.02
done
FT_PUBLISHED_MS=$(($(now_ms) - FT_T0))
PUBLISH_T0=$(now_ms)
declare -a FT_MS
converge "$FT_MODEL" "$FT_VERSION" "$PUBLISH_T0" FT_MS
declare -a FT_DEFAULT FT_ANSWER
for ((i = 1; i <= REPLICAS; i++)); do
  FT_DEFAULT[i]=$(default_version "$FT_MODEL" "$i")
  FT_ANSWER[i]=$(curl -s -X POST -H 'Content-Type: application/json' \
    -d '{"inputs":[{"name":"x","shape":[2,1],"datatype":"FP32","data":[1,2]}]}' \
    "http://127.0.0.1:${HTTP[i]}/v2/models/$FT_MODEL/infer" \
    | sed -n 's/.*"model_version" *: *"\([^"]*\)".*"data" *: *\[\([^]]*\)\].*/v\1 y=[\2]/p')
done
finish_load finetune
FT_FAILED=$PHASE_FAILED
log "c) published after $FT_PUBLISHED_MS ms; ready on the replicas after ${FT_MS[*]} ms; answers: ${FT_ANSWER[*]}"
((FT_FAILED == 0)) || MISSED+=("fine-tune: $FT_FAILED failed requests")
for ((i = 1; i <= REPLICAS; i++)); do
  if [[ ${FT_MS[i]} == no ]] || ((FT_MS[i] > 2 * POLL_SECS * 1000)); then
    MISSED+=("fine-tune: replica $i served version $FT_VERSION after ${FT_MS[i]} ms, not within two poll intervals")
  fi
  [[ ${FT_DEFAULT[i]} == "$FT_VERSION" && ${FT_ANSWER[i]} == "v$FT_VERSION "* ]] \
    || MISSED+=("fine-tune: replica $i default '${FT_DEFAULT[i]}', answer '${FT_ANSWER[i]}'")
done

# --- Report --------------------------------------------------------------------------------------
stop_haproxy
ELAPSED_S=$((($(now_ms) - T_START) / 1000))
# Server-side warnings and errors seen by any replica during the run.
SERVER_PROBLEMS=$(grep -hE ' (WARN|ERROR) ' "$WORK"/replica-*.log | sed -E 's/^[^ ]+ +//' | cut -c1-220 | sort | uniq -c | sort -rn | head -15 || true)
HAPROXY_EVENTS=$(for mode in plain retry; do
  grep -E '^\[(WARNING|ALERT)\]' "$WORK/haproxy-$mode.log" | sed -E "s/^\[[A-Z]+\] +\([0-9]+\) : /$mode: /" | cut -c1-150
done || true)
WARMUPS=$(grep -h 'Server warm-up' "$WORK"/replica-*.log | sed -E 's/^([^ ]+) +INFO +([0-9]+) .*: Server warm-up: /\1 pid \2: /' || true)
conv_row() {
  local -n ms=$1
  local i line="| $2 |"
  for ((i = 1; i <= REPLICAS; i++)); do line+=" ${ms[i]} |"; done
  echo "$line"
}
header_cells() { local i h="| |" s="|---|"; for ((i = 1; i <= REPLICAS; i++)); do h+=" replica $i |"; s+="---|"; done; printf '%s\n%s\n' "$h" "$s"; }
if ((${#MISSED[@]} == 0)); then VERDICT="Every target met."; else VERDICT="Targets missed: $(printf -- '- %s\n' "${MISSED[@]}")"; fi

REPORT=$(
  cat <<EOF
# Many replicas on one machine

Measured by \`src/bench/replicas.sh\` ($(date -u +%Y-%m-%d), $ELAPSED_S s in all). **Not part of
CI**: it needs haproxy and wrk, starts $REPLICAS JVMs and runs for minutes.

A Kubernetes Deployment simulated with real processes: $REPLICAS server processes
(\`java ${JAVA_OPTS[*]} -jar model-server.jar\`) on one machine share one model repository (a
copy of \`model-repo/\`'s \`classifier\` (ONNX), \`regressor_torch\` and \`binary_classifier_torch\`
(TorchScript)) in poll mode, behind HAProxy. Everything binds 127.0.0.1 on free ports.

## Machine and settings

- $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) memory, $(. /etc/os-release && echo "$PRETTY_NAME")
- $("$JAVA" -version 2>&1 | head -1), $(haproxy -v | head -1 | cut -d' ' -f1-3), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)
- Replicas: \`--model-control-mode=poll --repository-poll-secs=$POLL_SECS --warmup-seconds=$WARMUP_SECS
  --management-port=-1 --grpc-management-port=-1 --admin-token-file=…\`; replica 1 trains
  (\`--max-training-jobs=1 --training-data-dir=…\`), the others only serve (\`--max-training-jobs=0\`).
  All $REPLICAS were ready $START_MS ms after they were started together.
- Load: wrk, 2 threads, $CONNECTIONS connections, ${PHASE_SECS} s per phase, through HAProxy, one
  REST JSON inference (\`classifier\`, 1×4 FP32) per request. Failed = non-2xx responses plus
  socket errors (connect/read/write/timeout).
- HAProxy health checks: GET /v2/health/ready every 500 ms, down after 2 failures, up after 2
  successes; round robin.

## Results

| phase | HAProxy | responses | failed | statuses | socket errors c/r/w/t | HAProxy retries / redispatches | model_version of 2xx | latency p50 / p99 / max (ms) |
|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${ROWS[@]}")

**a) Rollout.** \`classifier/$OLD_VERSION\` copied to \`classifier/.rollout-$NEW_VERSION\` (hidden: the
scan skips dot-folders and folders not named by a number) and renamed to \`classifier/$NEW_VERSION\` in one
\`mv\`, 2 s into the load. Time from the rename until each replica's
\`GET /v2/models/classifier/versions/$NEW_VERSION/ready\` answered 200 (checked every 50 ms; poll
interval $POLL_SECS s, target: within two intervals, $((2 * POLL_SECS * 1000)) ms):

$(header_cells)
$(conv_row ROLL_MS "ms after the rename")
$(conv_row ROLL_DEFAULT "default version")

Then $((REPLICAS * 10)) requests through HAProxy named versions \`$AFTER_VERSIONS\` (version:count).

**b) SIGKILL.** Replica $VICTIM killed ${KILL_AFTER} s into the load. HAProxy marked it DOWN
${KILL_DOWN_MS[kill-plain]} ms (plain) and ${KILL_DOWN_MS[kill-retry]} ms (retries) after the kill. Failed requests:
**$KILL_PLAIN_FAILED with plain settings, $KILL_RETRY_FAILED with retries**. After each phase the replica was
restarted on the same repository (ready in ${RESTART_MS[kill-plain]} ms and ${RESTART_MS[kill-retry]} ms) and
serves classifier version \`$RESTARTED_DEFAULT\` by default.

The retry settings (in the backend):

\`\`\`
option http-buffer-request   # the whole (small) request body is buffered before a server is picked
retries 3
option redispatch 1          # every retry goes to another server, not the one that just failed
retry-on conn-failure empty-response response-timeout
\`\`\`

Why an inference POST may be replayed: it is stateless (the server keeps nothing of a request
once answered: no session, no write to the repository), and running it twice computes the same
outputs, so a replay is idempotent in effect even though POST is not idempotent by definition.
\`conn-failure\` (the request never reached a server: refused connection to a dead replica) is
always safe. \`empty-response\` (the replica died after receiving the request, before sending a
byte) and \`response-timeout\` replay a request a server may have computed; for inference that
only costs compute. What cannot be retried: a response already partly sent (HAProxy has
forwarded bytes to the client, so it can only abort the connection; \`junk-response\` is
deliberately not enabled), a body larger than HAProxy's buffer (\`tune.bufsize\`, 16 KiB by
default: such requests are never retried, and large tensors should go without retries or with
a larger buffer), and non-idempotent calls: management and training (\`…/load\`, uploads,
\`…/finetune\`) must not be replayed blindly, so route only inference through such a backend.
Plain HAProxy retries a refused connection 3 times on the **same** server (its default
\`retries 3\` without \`redispatch\`, half a second apart), so a request sent to the dead replica
before the health check marks it down fails with 503 after 1.5 s; a request in flight at the kill
fails with 502, or, when it went over a reused keep-alive connection to the replica, HAProxy
closes the client's connection without an answer (wrk counts a read error), as a server closing a
keep-alive connection would. wrk is a closed loop (each connection waits for its answer), so the
failures are bounded by the connection count: each of the $CONNECTIONS connections stalls on the dead
replica once. An open-loop client (a fixed request rate) would lose about 1/$REPLICAS of its
requests for the whole detection time instead. With the retry settings the same events become
retries on another replica (the HAProxy retries / redispatches column) and the p99 stays low.

**c) Fine-tune.** \`POST /v2/models/$FT_MODEL/finetune\` on replica 1's own port (admin token;
dataset \`line.jsonl\` from its training data folder, 256 samples of y = 10x + 3, 20 epochs,
\`promote: always\`). The version folder \`$FT_MODEL/$FT_VERSION\` appeared $FT_PUBLISHED_MS ms after the
request. Time from its appearance until each replica's \`…/versions/$FT_VERSION/ready\` answered 200:

$(header_cells)
$(conv_row FT_MS "ms after the publish")
$(conv_row FT_DEFAULT "default version")

Each replica's answer to x = [1, 2] (on its own port): $(for ((i = 1; i <= REPLICAS; i++)); do printf '%s`%s`' "${sep:-}" "${FT_ANSWER[i]}"; sep=', '; done).

## Verdict

$VERDICT

## HAProxy config (retry variant; the plain one lacks the four retry lines)

\`\`\`
$(sed "s/127.0.0.1:[0-9]*/127.0.0.1:PORT/" "$WORK/haproxy-retry.cfg")
\`\`\`

## Server warnings and errors during the run

\`\`\`
${SERVER_PROBLEMS:-none}
\`\`\`

The replicas' warm-up lines (\`--warmup-seconds=$WARMUP_SECS\`; the first $REPLICAS started together, the others
are the restarts):

\`\`\`
${WARMUPS:-none}
\`\`\`

HAProxy's server state changes:

\`\`\`
${HAPROXY_EVENTS:-none}
\`\`\`

Logs of the run: \`target/bench/replicas/\` (replica-N.log, haproxy-*.log, wrk-*.log).
EOF
)
mkdir -p "$(dirname "$OUT")"
printf '%s\n' "$REPORT" >"$OUT"
printf '%s\n' "$REPORT"
log "report: $OUT ($ELAPSED_S s)"
((${#MISSED[@]} == 0)) || exit 3
