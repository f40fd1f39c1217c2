#!/usr/bin/env bash
# Prepares what src/gpu/device-check.sh needs on the GPU machine, which has no Java and no network:
# a jlink'ed JRE and the jars of the device inventory (runtime, JCuda and its natives, JNA, SLF4J)
# with the DeviceReport main, under target/gpu-check/ (about 50 MB; the device tool carries 64 MiB).
#   src/gpu/prepare.sh        then run the device tool with carry ["target/gpu-check"]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="$ROOT/target/gpu-check"
cd "$ROOT"
mvn -B -q -pl src/bench -am package -DskipTests -Dspotless.check.skip=true -Dspotbugs.skip=true
mvn -B -q -pl src/bench dependency:build-classpath -Dmdep.outputFile="$ROOT/target/gpu-check.cp" \
  -Dmdep.includeScope=runtime
rm -rf "$OUT" && mkdir -p "$OUT/lib"
cp runtime/target/model-server-runtime-0.1.0-SNAPSHOT.jar "$OUT/lib/"
cp -r src/bench/target/classes "$OUT/lib/bench-classes"
tr ':' '\n' < "$ROOT/target/gpu-check.cp" | grep -E '/(jcuda|jcuda-natives|jna|slf4j-api|slf4j-simple)-[^/]*\.jar$' \
  | while read -r jar; do cp "$jar" "$OUT/lib/"; done
JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.unsupported \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$OUT/jre" 2>/dev/null \
  || "$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.unsupported \
       --strip-debug --no-header-files --no-man-pages --output "$OUT/jre"
du -sh "$OUT"
