#!/usr/bin/env bash
# Load/unload soak: resident memory over repeated load → infer → unload cycles of each engine.
#
#   src/bench/soak.sh [options]          (from anywhere; --help lists the options)
#
# Not part of the test suite. It:
#   1. compiles the runtime and the benchmark mains (mvn -pl src/bench -am compile), unless --no-build,
#      resolves the runtime classpath (mvn dependency:build-classpath) and copies the classes to
#      the scratch folder (a rebuild during the runs then changes nothing);
#   2. runs runtime's LoadUnloadSoak once per engine (model-repo/classifier for ONNX,
#      model-repo/classifier_torch for TorchScript) in a fresh JVM with a fixed, pre-touched 256 MB
#      heap (-Xms256m -Xmx256m -XX:+AlwaysPreTouch, so that the heap's resident size is constant and
#      RSS changes are native memory, code and metadata; --plain-heap for -Xmx alone): each cycle loads
#      the model through ModelManager (explicit mode, on a temporary copy of the model folder), runs
#      20 inferences through InferenceService, checks the outputs and unloads it (drain, then free);
#      RSS is read after a full GC at cycle 0, cycle 10 (the baseline), every 10% and the end;
#   3. runs the same loop without the manager (engine sessions loaded and closed directly) for
#      comparison, so that a growth can be put on the engine or on the management path;
#   4. writes a markdown report to docs/benchmarks/soak.md (--out FILE to change).
#
# Exit status 1 when a run's RSS grew by more than the bound (--bound-mb) from cycle 10 to the end,
# or when a run failed; the report is written first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

CYCLES=200
INFERENCES=20
BOUND_MB=64
HEAP=256m
PRETOUCH=1
ENGINES="onnx,torch"
MODES="managed,engine"
BUILD=1
OUT="$ROOT/docs/benchmarks/soak.md"
WORK="$ROOT/target/soak"
JAVA="${JAVA:-java}"

usage() {
  cat <<EOF
usage: src/bench/soak.sh [options]

  --cycles N        load/unload cycles per run (default $CYCLES; the baseline is cycle 10)
  --inferences N    inferences per cycle (default $INFERENCES)
  --bound-mb MB     largest RSS growth allowed from cycle 10 to the end (default $BOUND_MB)
  --heap SIZE       the JVM's heap, -Xms and -Xmx, touched at start (default $HEAP)
  --plain-heap      -Xmx only: the heap grows and shrinks with G1, and RSS with it
  --engines LIST    comma list of onnx, torch (default $ENGINES)
  --modes LIST      comma list of managed (ModelManager + InferenceService) and engine (engine
                    sessions alone, for comparison) (default $MODES)
  --no-build        use the existing runtime/target classes
  --out FILE        report file (default docs/benchmarks/soak.md; '-' for none)
  --work DIR        scratch folder for logs and the classpath (default target/soak)

Environment: JAVA (java binary). TorchScript needs libtorch's natives in ~/.djl.ai (offline).
EOF
}

ORIGINAL_ARGS="$*"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cycles) CYCLES="$2"; shift 2 ;;
    --inferences) INFERENCES="$2"; shift 2 ;;
    --bound-mb) BOUND_MB="$2"; shift 2 ;;
    --heap) HEAP="$2"; shift 2 ;;
    --plain-heap) PRETOUCH=0; shift ;;
    --engines) ENGINES="$2"; shift 2 ;;
    --modes) MODES="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --out) OUT="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "soak.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
for e in ${ENGINES//,/ }; do
  case "$e" in onnx|torch) ;; *) echo "soak.sh: unknown engine '$e' in --engines (onnx, torch)" >&2; exit 2 ;; esac
done
for m in ${MODES//,/ }; do
  case "$m" in managed|engine) ;; *) echo "soak.sh: unknown mode '$m' in --modes (managed, engine)" >&2; exit 2 ;; esac
done
[[ -n "${ENGINES//[ ,]/}" && -n "${MODES//[ ,]/}" ]] || { echo "soak.sh: --engines and --modes must not be empty" >&2; exit 2; }

log() { printf '[soak %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'soak.sh: ERROR: %s\n' "$*" >&2; exit 1; }
command -v "$JAVA" >/dev/null 2>&1 || die "java is missing (Java 17+ needed; set JAVA=/path/to/java)"

mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
CP_FILE="$WORK/runtime.classpath"
if [[ $BUILD -eq 1 ]]; then
  command -v mvn >/dev/null 2>&1 || die "mvn is missing (or pass --no-build with an existing build)"
  log "building: mvn -B -q -pl src/bench -am compile -Dspotless.check.skip=true"
  (cd "$ROOT" && { mvn -B -o -q -pl src/bench -am compile -Dspotless.check.skip=true \
      || mvn -B -q -pl src/bench -am compile -Dspotless.check.skip=true; }) >&2 \
    || die "the build failed (see above)"
fi
[[ -f "$ROOT/src/bench/target/classes/org/modelserver/bench/LoadUnloadSoak.class" ]] \
  || die "LoadUnloadSoak is not compiled (src/bench/target/classes); run without --no-build"
if [[ $BUILD -eq 1 || ! -s "$CP_FILE" || "$ROOT/runtime/pom.xml" -nt "$CP_FILE" || "$ROOT/pom.xml" -nt "$CP_FILE" ]]; then
  command -v mvn >/dev/null 2>&1 || die "mvn is missing (needed once to resolve the runtime classpath)"
  log "resolving the runtime classpath (mvn dependency:build-classpath)"
  (cd "$ROOT" && { mvn -B -o -q -pl runtime dependency:build-classpath -Dmdep.outputFile="$CP_FILE" \
      || mvn -B -q -pl runtime dependency:build-classpath -Dmdep.outputFile="$CP_FILE"; }) >&2 \
    || die "could not resolve the runtime classpath"
fi
# A copy of the compiled classes, so that a rebuild during the runs does not pull them away.
rm -rf "$WORK/classes" "$WORK/bench-classes"
{ cp -r "$ROOT/runtime/target/classes" "$WORK/classes" \
    && cp -r "$ROOT/src/bench/target/classes" "$WORK/bench-classes"; } \
  || die "could not copy runtime/target/classes and src/bench/target/classes to $WORK"
# In CLASSPATH, not -cp: ONNX Runtime crashes JVMs whose command line is longer than about 4 KB.
SOAK_CP="$WORK/classes:$WORK/bench-classes:$(cat "$CP_FILE")"
# G1 grows the young generation while the cycles allocate and gives it back to the OS only some
# 100 ms after a GC: with a plain -Xmx, RSS after System.gc() swings by up to ~120 MB with no leak.
if ((PRETOUCH)); then
  HEAP_OPTS=("-Xms$HEAP" "-Xmx$HEAP" -XX:+AlwaysPreTouch)
else
  HEAP_OPTS=("-Xmx$HEAP")
fi

# ----------------------------------------------------------------------------- runs
declare -A RESULT ERROR
RUNS=()
FAILED=0
model_of() { if [[ "$1" == torch ]]; then echo classifier_torch; else echo classifier; fi; }
for engine in ${ENGINES//,/ }; do
  for mode in ${MODES//,/ }; do
    key="$engine-$mode"
    out="$WORK/soak-$key.log"
    RUNS+=("$key")
    log "$key: $CYCLES cycles of $(model_of "$engine") (log: ${out#"$ROOT"/})"
    start=$SECONDS
    status=0
    (cd "$ROOT" && CLASSPATH="$SOAK_CP" "$JAVA" "${HEAP_OPTS[@]}" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
      org.modelserver.bench.LoadUnloadSoak --model "model-repo/$(model_of "$engine")" \
      --cycles "$CYCLES" --inferences "$INFERENCES" --bound-mb "$BOUND_MB" --mode "$mode") \
      >"$out" 2>&1 || status=$?
    grep -E '^(SAMPLE|RESULT|FAIL|ERROR)' "$out" | sed 's/^/    /' >&2 || true
    RESULT[$key]="$(grep '^RESULT ' "$out" | tail -1 || true)"
    if [[ -z "${RESULT[$key]}" ]]; then
      tail -20 "$out" >&2
      ERROR[$key]="$(sed -n 's/^ERROR //p' "$out" | tail -1)"
      ERROR[$key]="${ERROR[$key]:-exit status $status, no RESULT line (see ${out#"$ROOT"/})}"
      FAILED=1
    elif ((status != 0)); then
      FAILED=1
    fi
    log "$key: done in $((SECONDS - start)) s, exit status $status"
  done
done

# ----------------------------------------------------------------------------- report
# field KEY NAME: a key=value field of a run's RESULT line.
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"${RESULT[$1]}"; }
engine_label() { if [[ "$1" == torch-* ]]; then echo TorchScript; else echo ONNX; fi; }
mode_label() {
  if [[ "$1" == *-managed ]]; then echo "ModelManager load → InferenceService → unload"; else echo "engine sessions alone (comparison)"; fi
}
cpu_model="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -1)"
[[ -n "$cpu_model" ]] || cpu_model="$(uname -m)"
ram_gib="$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
java_version="$("$JAVA" -version 2>&1 | head -1)"
os_name="$( (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") || uname -sr)"
ort_jar="$({ tr ':' '\n' <"$CP_FILE" | grep -o 'onnxruntime-[0-9][^/]*\.jar' || true; } | head -1 | sed 's/\.jar$//')"
torch_native="$({ tr ':' '\n' <"$CP_FILE" | grep -o 'pytorch-native-[a-z0-9]*-[0-9][0-9.]*' || true; } | head -1)"
djl_engine="$({ tr ':' '\n' <"$CP_FILE" | grep -o 'pytorch-engine-[0-9][^/]*\.jar' || true; } | head -1 | sed 's/\.jar$//')"
commit="$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(cd "$ROOT" && git --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null || true)" ]]; then
  commit="$commit (with uncommitted changes)"
fi

report() {
  echo "# Soak: load/unload cycles and resident memory"
  echo
  echo "Generated by \`src/bench/soak.sh${ORIGINAL_ARGS:+ $ORIGINAL_ARGS}\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit."
  echo
  echo "Machine: $cpu_model, $(nproc) cores (\`nproc\`), $ram_gib RAM, $os_name; $java_version;"
  echo "${ort_jar:-ONNX Runtime unknown}; libtorch ${torch_native:-unknown}${djl_engine:+ through DJL $djl_engine}."
  echo
  echo "Each run is a fresh JVM (\`${HEAP_OPTS[*]}\`) running \`LoadUnloadSoak\`"
  echo "(src/bench/java/...) for $CYCLES cycles. A cycle through the management path loads"
  echo "the model with \`ModelManager.load\` (explicit control mode, a temporary copy of the model"
  echo "folder; \`version_policy: all\` loads versions 1 and 2, one instance each), runs $INFERENCES"
  echo "inferences of a [4, 4] batch through \`InferenceService\` (each checked: [4, 3] probabilities,"
  echo "rows summing to 1, equal to the first cycle's within 1e-5) and unloads it with"
  echo "\`ModelManager.unload\`, which drains and frees both versions. The comparison runs load the"
  echo "same two version files straight into engine sessions and close them, with no manager,"
  echo "registry or scheduler. RSS is \`VmRSS\` of \`/proc/self/status\`, read after \`System.gc()\`"
  echo "and a 300 ms pause; heap is the Java heap in use after that GC. The baseline is cycle 10,"
  echo "after warm-up; the bound is $BOUND_MB MB of RSS growth from the baseline to cycle $CYCLES."
  if ((PRETOUCH)); then
    echo "The heap is fixed and touched at start, so all of it is resident from cycle 0 on and RSS"
    echo "changes are memory outside it (native allocations of the engines, JIT code and compiler"
    echo "memory, class metadata, thread stacks). With a plain \`-Xmx\`, G1 grows the young generation while the"
    echo "cycles allocate and returns it to the OS only about 100 ms after a GC, so RSS read after"
    echo "\`System.gc()\` swings by tens of MB with no leak (\`--plain-heap\` shows it)."
  fi
  echo
  echo "## Summary"
  echo
  echo "| Engine | Path | RSS before the first load, MB | Baseline RSS (cycle 10), MB | End RSS (cycle $CYCLES), MB | Growth, MB | Growth per cycle, KB | Heap in use at the end, MB | ms per cycle (load + infer + unload) | Bound, MB | Verdict |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  local key before
  for key in "${RUNS[@]}"; do
    if [[ -z "${RESULT[$key]}" ]]; then
      echo "| $(engine_label "$key") | $(mode_label "$key") | – | – | – | – | – | – | – | $BOUND_MB | not run: ${ERROR[$key]//|/ } |"
      continue
    fi
    before="$(sed -n 's/^SAMPLE cycle=0 rss_mb=\([^ ]*\).*/\1/p' "$WORK/soak-$key.log" | head -1)"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s (%s + %s + %s) | %s | **%s** |\n' \
      "$(engine_label "$key")" "$(mode_label "$key")" "${before:-–}" \
      "$(field "$key" baseline_rss_mb)" "$(field "$key" end_rss_mb)" "$(field "$key" growth_mb)" \
      "$(field "$key" growth_per_cycle_kb)" "$(field "$key" end_heap_used_mb)" \
      "$(field "$key" cycle_ms)" "$(field "$key" load_ms)" "$(field "$key" infer_ms)" "$(field "$key" unload_ms)" \
      "$(field "$key" bound_mb)" "$(field "$key" verdict)"
  done
  echo
  echo "Times are means over all cycles, JIT warm-up included, on a machine shared with other work."
  echo
  for key in "${RUNS[@]}"; do
    [[ -n "${RESULT[$key]}" ]] || continue
    echo "## $(engine_label "$key"), $(mode_label "$key")"
    echo
    echo "| Cycle | RSS, MB | RSS outside the Java heap, MB | Anonymous / file-backed RSS, MB | Heap in use, MB | Heap committed, MB | Threads |"
    echo "|---:|---:|---:|---:|---:|---:|---:|"
    awk -v pretouch="$PRETOUCH" '/^SAMPLE / {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        label = f["cycle"] (f["cycle"] == 0 ? " (before)" : f["cycle"] == 10 ? " (baseline)" : "")
        outside = pretouch ? sprintf("%.1f", f["rss_mb"] - f["heap_committed_mb"]) : "–"
        printf "| %s | %s | %s | %s / %s | %s | %s | %s |\n", label, f["rss_mb"], outside,
          f["rss_anon_mb"], f["rss_file_mb"], f["heap_used_mb"], f["heap_committed_mb"], f["threads"]
      }' "$WORK/soak-$key.log"
    echo
    echo "Baseline → end: $(field "$key" baseline_rss_mb) → $(field "$key" end_rss_mb) MB, growth $(field "$key" growth_mb) MB"
    echo "($(field "$key" growth_per_cycle_kb) KB per cycle); bound $(field "$key" bound_mb) MB: **$(field "$key" verdict)**."
    echo
  done
  if ((PRETOUCH)); then
    echo "\"RSS outside the Java heap\" is RSS minus the committed heap, all of it resident here."
  fi
  echo "To tell a leak from warm-up, run longer (\`--cycles 3000\`): a leak keeps growing, warm-up"
  echo "levels off. C2 compiling the management path's Java code is the usual warm-up: its code and"
  echo "the memory glibc keeps after the compiler frees its arenas (\`jcmd PID System.trim_native_heap\`"
  echo "hands that back; with \`-XX:TieredStopAtLevel=1\` it does not appear)."
  echo "Logs: \`${WORK#"$ROOT"/}/soak-*.log\`."
}

REPORT="$(report)"
echo
echo "$REPORT"
if [[ "$OUT" != "-" ]]; then
  mkdir -p "$(dirname "$OUT")"
  printf '%s\n' "$REPORT" >"$OUT"
  log "report written to $OUT"
fi
if ((FAILED)); then
  log "a run failed or exceeded the bound; the report says which"
  exit 1
fi
