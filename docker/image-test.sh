#!/usr/bin/env bash
# Image test: builds docker/Dockerfile from the jar that `mvn -B verify` (or package) wrote, starts
# the image with a read-only root filesystem, waits for readiness, runs inference over REST and
# gRPC, checks the user and the read-only root, and stops it gracefully. .ci/run calls it after
# the tests.
#
#   docker/image-test.sh [--keep]      (as root on a Debian machine, or with a running Docker)
#
# No image registry is reachable on this project's machines, so the base image is made here when
# it is missing: a Debian bookworm root filesystem from debootstrap, `docker import`ed, plus the
# Debian OpenJDK 17 JRE (docker/base/Dockerfile.debian-jre), tagged as docker/Dockerfile's default
# BASE_IMAGE (eclipse-temurin:17-jre). Where the registry is reachable, the real one is used.
# What it needs and lacks it installs from Debian (docker.io, debootstrap, curl) and it starts
# dockerd when none runs. Containers use --network host; traffic goes to 127.0.0.1 only. Ports
# are free ones, never the defaults. Everything it started is stopped on exit (--keep leaves the
# images).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

BASE_IMAGE="${BASE_IMAGE:-eclipse-temurin:17-jre}"
IMAGE="${IMAGE:-jvm-model-server:test}"
JAR="$ROOT/server/target/model-server.jar"
WORK="$ROOT/target/image-test"
CONTAINER="model-server-image-test-$$"
ROOTFS_IMAGE=model-server-rootfs:bookworm
BASE25="${BASE25:-eclipse-temurin:25-jre}"
JDK25="$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1 || true)"
KEEP=0
[[ "${1:-}" == --keep ]] && KEEP=1
DOCKERD_PID=""

log() { printf '[image-test %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

cleanup() {
  docker rm -f "$CONTAINER" >/dev/null 2>&1 || true
  if [[ -n "$DOCKERD_PID" ]]; then
    kill "$DOCKERD_PID" 2>/dev/null || true
    wait "$DOCKERD_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

[[ -f "$JAR" ]] || die "$JAR is missing: run 'mvn -B verify' (or 'mvn -B package -DskipTests') first"
mkdir -p "$WORK"

# ---------------------------------------------------------------- tools
missing=()
command -v docker >/dev/null || missing+=(docker.io)
command -v curl >/dev/null || missing+=(curl)
if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || missing+=(debootstrap)
fi
if ((${#missing[@]} > 0)); then
  [[ $(id -u) -eq 0 ]] || die "missing ${missing[*]}; install them (apt-get install -y ${missing[*]})"
  log "installing ${missing[*]}"
  apt-get install -y "${missing[@]}" >"$WORK/apt.log" 2>&1 \
    || { apt-get update >>"$WORK/apt.log" 2>&1 && apt-get install -y "${missing[@]}" >>"$WORK/apt.log" 2>&1; } \
    || die "apt-get install ${missing[*]} failed (log: $WORK/apt.log)"
fi
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null || die "no Docker daemon runs and dockerd is missing (apt-get install -y docker.io)"
  log "starting dockerd"
  dockerd >"$WORK/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || die "dockerd did not start (log: $WORK/dockerd.log)"
fi

# ---------------------------------------------------------------- base image
# make_rootfs: ROOTFS_IMAGE, a Debian bookworm root filesystem from debootstrap, unless it exists.
make_rootfs() {
  docker image inspect "$ROOTFS_IMAGE" >/dev/null 2>&1 && return 0
  mirror="$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)"
  [[ -n "$mirror" ]] || mirror="$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  log "no registry: making a Debian bookworm root filesystem with debootstrap ($mirror)"
  rootfs="$WORK/rootfs"
  rm -rf "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
    || die "debootstrap failed (log: $WORK/debootstrap.log)"
  tar -C "$rootfs" -c . | docker import - "$ROOTFS_IMAGE" >/dev/null
  rm -rf "$rootfs"
}
if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  if docker pull "$BASE_IMAGE" >/dev/null 2>&1; then
    log "pulled $BASE_IMAGE"
  else
    make_rootfs
    DOCKER_BUILDKIT=0 docker build --network host -f docker/base/Dockerfile.debian-jre -t "$BASE_IMAGE" docker/base \
      >"$WORK/base-build.log" 2>&1 || die "building the base image failed (log: $WORK/base-build.log)"
  fi
fi

# ---------------------------------------------------------------- build, run, check
# test_image BASE_IMAGE IMAGE AOT: builds IMAGE on BASE_IMAGE, runs it and checks it; AOT is 1 when the
# image must hold an ahead-of-time cache (Java 25 or newer), 0 when it must not.
test_image() {
  local BASE_IMAGE="$1" IMAGE="$2" AOT="$3" WORK="$WORK/$2"
  WORK="${WORK//:/-}"
  mkdir -p "$WORK"
  # ---------------------------------------------------------------- build
  log "building $IMAGE from docker/Dockerfile (BASE_IMAGE=$BASE_IMAGE)"
  t0=$SECONDS
  # The build context holds only what the Dockerfile copies (docker/Dockerfile.dockerignore says the
  # same for BuildKit): Debian's docker.io builds with the classic builder, which reads no
  # Dockerfile-specific ignore file and would otherwise send every target/ folder to the daemon.
  context="$WORK/context"
  rm -rf "$context"
  mkdir -p "$context/server/target" "$context/docker"
  cp "$JAR" "$context/server/target/"
  cp -r model-repo "$context/"
  cp docker/unpack-libtorch.sh docker/aot-train.sh "$context/docker/"
  DOCKER_BUILDKIT=0 docker build --network host --build-arg BASE_IMAGE="$BASE_IMAGE" \
    -f docker/Dockerfile -t "$IMAGE" "$context" >"$WORK/build.log" 2>&1 \
    || { tail -40 "$WORK/build.log" >&2; die "docker build failed (log: $WORK/build.log)"; }
  log "built in $((SECONDS - t0)) s: $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
  docker history --format '{{.Size}}\t{{.CreatedBy}}' "$IMAGE" | cut -c1-150 >"$WORK/layers.txt"
  # Layers, newest first: model-repo, application, snapshot-dependencies, spring-boot-loader,
  # dependencies, native-engines, libtorch. The application layer (this project's classes) must stay
  # small: a code change ships only it.
  mapfile -t copies < <(docker history --human=false --format '{{.Size}} {{.CreatedBy}}' "$IMAGE" | grep 'COPY dir:' | awk '{ print $1 }')
  log "COPY layers, newest first (bytes): ${copies[*]}"
  ((${#copies[@]} >= 7)) || die "expected 7 COPY layers (libtorch, 5 jar layers, model-repo); got ${#copies[@]} ($WORK/layers.txt)"
  ((copies[1] < 30000000)) || die "the application layer is ${copies[1]} bytes; it should hold only this project's classes"
  ((copies[6] > 300000000)) || die "the oldest COPY layer should be the unpacked libtorch (> 300 MB), is ${copies[6]} bytes"
  
  # ---------------------------------------------------------------- run
  free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
  HTTP_PORT="$(free_port)"
  GRPC_PORT="$(free_port)"
  MGMT_PORT="$(free_port)"
  # With a cache, -XX:AOTMode=on makes the JVM refuse to start when it cannot use it.
  local aot_opts=()
  ((AOT)) && aot_opts=(-e "JAVA_OPTS=-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError -XX:AOTMode=on")
  log "starting the image read-only on 127.0.0.1:$HTTP_PORT (gRPC $GRPC_PORT)"
  docker run -d --name "$CONTAINER" --network host --read-only --tmpfs /tmp:rw,exec,size=512m \
    -e HTTP_PORT="$HTTP_PORT" -e GRPC_PORT="$GRPC_PORT" -e MANAGEMENT_PORT="$MGMT_PORT" \
    -e GRPC_MANAGEMENT_PORT=-1 -e HTTP_ADDRESS=127.0.0.1 -e GRPC_ADDRESS=127.0.0.1 \
    ${aot_opts[@]+"${aot_opts[@]}"} "$IMAGE" >/dev/null || die "docker run failed"
  deadline=$((SECONDS + 240))
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/v2/health/ready")" == 200 ]]; do
    if [[ "$(docker inspect -f '{{.State.Running}}' "$CONTAINER")" != true ]]; then
      docker logs "$CONTAINER" 2>&1 | tail -40 >&2
      die "the container exited before it was ready"
    fi
    ((SECONDS < deadline)) || { docker logs "$CONTAINER" 2>&1 | tail -40 >&2; die "not ready after 240 s"; }
    sleep 1
  done
  log "ready"
  
  check() { # description, command...
    local what="$1"
    shift
    if "$@"; then log "ok: $what"; else docker logs "$CONTAINER" 2>&1 | tail -30 >&2; die "$what"; fi
  }
  infer_rest() { # model body expected-substring
    local out
    out="$(curl -s -w ' HTTP %{http_code}' -H 'Content-Type: application/json' -d "$2" \
      "http://127.0.0.1:$HTTP_PORT/v2/models/$1/infer")"
    [[ "$out" == *"HTTP 200" && "$out" == *"$3"* ]] || { echo "$1: $out" >&2; return 1; }
  }
  check "REST inference on the ONNX classifier" infer_rest classifier \
    '{"inputs":[{"name":"features","shape":[1,4],"datatype":"FP32","data":[0.1,0.2,0.3,0.4]}]}' '"name":"probabilities"'
  check "REST inference on the TorchScript regressor (libtorch from the read-only cache)" infer_rest regressor_torch \
    '{"inputs":[{"name":"x","shape":[3,1],"datatype":"FP32","data":[0.0,1.0,-2.5]}]}' '"name":"y"'
  
  # gRPC: one ModelInfer call through a generated gRPC client (the bench module's GrpcBody writes the
  # request, GrpcSmoke sends it and checks the status and the outputs; both built by mvn verify).
  grpc_check() {
    local cp_file="$WORK/server.classpath"
    [[ -f "$ROOT/src/bench/target/classes/org/modelserver/bench/GrpcSmoke.class" ]] \
      || { echo "src/bench is not compiled: run mvn -B verify first" >&2; return 1; }
    [[ -s "$cp_file" ]] || (mvn -B -o -q -pl server dependency:build-classpath -Dmdep.outputFile="$cp_file" \
      || mvn -B -q -pl server dependency:build-classpath -Dmdep.outputFile="$cp_file") >/dev/null 2>&1
    [[ -s "$cp_file" ]] || { echo "cannot resolve the server classpath for the gRPC client" >&2; return 1; }
    local cp="$ROOT/src/bench/target/classes:$(cat "$cp_file")"
    CLASSPATH="$cp" java org.modelserver.bench.GrpcBody "$WORK/classifier.grpc" classifier features 1 4 >/dev/null \
      && CLASSPATH="$cp" java org.modelserver.bench.GrpcSmoke "127.0.0.1:$GRPC_PORT" "$WORK/classifier.grpc"
  }
  check "gRPC ModelInfer on the classifier" grpc_check
  
  check "runs as a non-root user (uid 10001)" test "$(docker exec "$CONTAINER" id -u)" = 10001
  check "the root filesystem is read-only" \
    sh -c "! docker exec '$CONTAINER' sh -c 'touch /app/x' 2>/dev/null && ! docker exec '$CONTAINER' sh -c 'touch /x' 2>/dev/null"
  if ((AOT)); then
    check "the image holds an ahead-of-time cache" docker exec "$CONTAINER" test -s /app/model-server.aot
    check "the JVM took the ahead-of-time cache (no [aot] warning or error in the log)" \
      sh -c "! docker logs '$CONTAINER' 2>&1 | grep -E '\\[(warning|error) *\\]\\[aot'"
  else
    check "no ahead-of-time cache before Java 25" sh -c "! docker exec '$CONTAINER' test -e /app/model-server.aot"
  fi
  check "libtorch was unpacked at build time (nothing written to /tmp/.djl.ai)" \
    sh -c "! docker exec '$CONTAINER' sh -c 'ls /tmp/.djl.ai' >/dev/null 2>&1"
  
  log "stopping gracefully (docker stop, SIGTERM)"
  t0=$SECONDS
  docker stop -t 30 "$CONTAINER" >/dev/null
  code="$(docker inspect -f '{{.State.ExitCode}}' "$CONTAINER")"
  docker logs "$CONTAINER" >"$WORK/container.log" 2>&1 || true
  docker rm -f "$CONTAINER" >/dev/null 2>&1 || true
  check "exited after SIGTERM with status 0 or 143 (got $code, in $((SECONDS - t0)) s)" \
    sh -c "[ '$code' = 0 ] || [ '$code' = 143 ]"
  check "stopped before docker's 30 s SIGKILL" test $((SECONDS - t0)) -lt 30
  [[ "$KEEP" == 1 ]] || docker rmi "$IMAGE" >/dev/null 2>&1 || true
}

test_image "$BASE_IMAGE" "$IMAGE" 0
# Java 25: the same image on a Temurin 25 JRE, with the ahead-of-time cache. No registry here, so
# the base is made from the Temurin 25 JDK installed on this machine, when there is one.
if [[ -n "$JDK25" ]] || docker image inspect "$BASE25" >/dev/null 2>&1 || docker pull "$BASE25" >/dev/null 2>&1; then
  if ! docker image inspect "$BASE25" >/dev/null 2>&1; then
    make_rootfs
    log "making $BASE25 from $JDK25"
    ctx25="$WORK/base25"
    rm -rf "$ctx25"
    mkdir -p "$ctx25"
    cp -a "$JDK25" "$ctx25/jdk"
    printf 'FROM %s\nCOPY jdk /opt/java/openjdk\nENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8\n' \
      "$ROOTFS_IMAGE" >"$ctx25/Dockerfile"
    DOCKER_BUILDKIT=0 docker build -t "$BASE25" "$ctx25" >"$WORK/base25-build.log" 2>&1 \
      || die "building $BASE25 failed (log: $WORK/base25-build.log)"
    rm -rf "$ctx25"
  fi
  test_image "$BASE25" "${IMAGE}-java25" 1
else
  log "no Temurin 25 JDK under /usr/lib/jvm: the Java 25 image with the ahead-of-time cache is not tested"
fi
log "PASSED"
