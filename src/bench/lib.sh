# shellcheck shell=bash
# Shared by cold.sh, scale.sh and overhead.sh: logging, building the jar, starting the packaged
# server on 127.0.0.1 and waiting for readiness, stopping it (also on exit), and reading wrk's
# BENCH line (src/bench/infer.lua). Source it after setting ROOT and BENCH_TAG.

log() { printf '[%s] %s\n' "$BENCH_TAG" "$*" >&2; }
die() { log "$*"; exit 1; }
command -v wrk >/dev/null || die "wrk is missing (Debian: apt-get install -y wrk)"

JAR="$ROOT/server/target/model-server.jar"
SERVER_PID=""
READY_MS=0

# bench_build BUILD: packages the server jar (and the benchmark classes) when BUILD is 1.
bench_build() {
  if [[ $1 == 1 ]]; then
    log "building the server jar"
    (cd "$ROOT" && mvn -B -q package -DskipTests -Dspotless.check.skip -Dspotbugs.skip \
      -Djacoco.skip >/dev/null)
  fi
  [[ -f "$JAR" ]] || die "$JAR is missing: run without --no-build"
}

# start_server JAVA APP_JAR PORT REPO LOG [args...]: starts the server on 127.0.0.1:PORT with no
# management listeners and a free gRPC port; arguments starting with -X or -D go to the JVM, the
# others to the server. Waits for /v2/health/ready; sets SERVER_PID and READY_MS (from start).
start_server() {
  local java="$1" jar="$2" port="$3" repo="$4" slog="$5"
  shift 5
  local jvm=() args=() a t0 deadline
  for a in "$@"; do
    if [[ $a == -X* || $a == -D* ]]; then jvm+=("$a"); else args+=("$a"); fi
  done
  t0=$(date +%s%N)
  "$java" "${jvm[@]}" -jar "$jar" --model-repository="$repo" --http-port="$port" \
    --http-address=127.0.0.1 --grpc-port=0 --grpc-address=127.0.0.1 --management-port=-1 \
    --grpc-management-port=-1 "${args[@]}" >"$slog" 2>&1 &
  SERVER_PID=$!
  deadline=$((SECONDS + ${READY_TIMEOUT:-180}))
  until curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null 2>&1; do
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited at start (log: $slog)"
    ((SECONDS < deadline)) || die "the server was not ready in time (log: $slog)"
    sleep 0.05
  done
  READY_MS=$((($(date +%s%N) - t0) / 1000000))
}

stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap stop_server EXIT

# wrk_run LOG URL BODY SECONDS CONNECTIONS [HEADER_LENGTH]: wrk with infer.lua; fails on errors.
wrk_run() {
  BENCH_BODY="$3" BENCH_HEADER_LENGTH="${6:-}" wrk -t"$(($5 > 1 ? 2 : 1))" -c"$5" -d"${4}s" \
    --latency -s "$ROOT/src/bench/infer.lua" "$2" >"$1" 2>&1 || die "wrk failed (log: $1)"
}

# bench_field LOG KEY...: the values of wrk's BENCH line, with rps (requests per second) derived;
# prints ERR when any request failed.
bench_field() {
  local file="$1"
  shift
  awk -v keys="$*" '/^BENCH/ {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      if (v["errors_status"] + v["errors_timeout"] > 0) { print "ERR"; exit }
      v["rps"] = sprintf("%.0f", v["requests"] / (v["duration_us"] / 1e6))
      n = split(keys, k, " "); line = ""
      for (i = 1; i <= n; i++) line = line (i > 1 ? " " : "") v[k[i]]
      print line }' "$file"
}
