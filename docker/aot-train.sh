#!/bin/sh
# Run by docker/Dockerfile at image build time, on Java 25 or newer only: records Java's
# ahead-of-time cache (JEP 483, 514, 515: classes loaded and linked, and method profiles) from a
# training run of the server on the example repository. The run's own start-up warm-up sends
# REST JSON, REST binary and gRPC requests to itself, so the cache covers the request paths; the
# server is stopped (SIGTERM) once that warm-up is done and the JVM writes the cache as it exits.
# On an older Java it does nothing, and the entrypoint then starts without a cache.
#
#   aot-train.sh APP_DIR MODEL_REPOSITORY CACHE_FILE
set -eu
app="$1"
repo="$2"
cache="$3"
if ! java -XX:AOTCacheOutput=/dev/null -version >/dev/null 2>&1; then
  echo "aot-train.sh: $(java -version 2>&1 | head -1): no ahead-of-time cache before Java 25"
  exit 0
fi
log=/tmp/aot-train.log
java -XX:AOTCacheOutput="$cache" $JAVA_OPTS -jar "$app/model-server.jar" \
  --model-repository="$repo" --http-port=0 --http-address=127.0.0.1 --grpc-port=0 \
  --grpc-address=127.0.0.1 --management-port=-1 --grpc-management-port=-1 >"$log" 2>&1 &
pid=$!
i=0
while [ $i -lt 600 ]; do
  if grep -q "Server warm-up:" "$log"; then
    kill "$pid"
    wait "$pid" || true
    if [ -s "$cache" ]; then
      chmod a+r "$cache"
      echo "ahead-of-time cache recorded: $(du -h "$cache" | cut -f1)"
      exit 0
    fi
    cat "$log"
    echo "aot-train.sh: the training run wrote no cache" >&2
    exit 1
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$log"
    echo "aot-train.sh: the training run exited early" >&2
    exit 1
  fi
  i=$((i + 1))
  sleep 0.5
done
cat "$log"
echo "aot-train.sh: timed out" >&2
kill "$pid" 2>/dev/null || true
exit 1
