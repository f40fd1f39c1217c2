#!/bin/sh
# Run by docker/Dockerfile at image build time: starts the extracted server once on a TorchScript
# example so that DJL unpacks libtorch (about 450 MB) into $TORCH_CACHE_DIR, then stops it. At run
# time the cache is complete and read-only, so the container's root filesystem can be read-only.
#
#   unpack-libtorch.sh APP_DIR MODEL_REPOSITORY
set -eu
app="$1"
repo="$2"
log=/tmp/unpack-libtorch.log
cd "$app"
java -jar model-server.jar --model-repository="$repo" \
  --http-port=0 --http-address=127.0.0.1 --grpc-port=0 --grpc-address=127.0.0.1 \
  --management-port=-1 --grpc-management-port=-1 --warmup-seconds=0 >"$log" 2>&1 &
pid=$!
i=0
while [ $i -lt 600 ]; do
  if grep -q "version [0-9]*: READY" "$log"; then
    kill "$pid"
    wait "$pid" || true
    ls "$TORCH_CACHE_DIR"/pytorch/*/libtorch_cpu.so >/dev/null
    echo "libtorch unpacked into $TORCH_CACHE_DIR: $(du -sh "$TORCH_CACHE_DIR" | cut -f1)"
    exit 0
  fi
  if grep -q "UNAVAILABLE" "$log" || ! kill -0 "$pid" 2>/dev/null; then
    cat "$log"
    echo "unpack-libtorch.sh: the server could not load the TorchScript example" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
  fi
  i=$((i + 1))
  sleep 0.5
done
cat "$log"
echo "unpack-libtorch.sh: timed out" >&2
exit 1
