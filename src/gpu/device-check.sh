#!/usr/bin/env bash
# The GPU check, in one short run on the device machine (see README, "GPU"): what the server's
# device inventory finds (CUDA driver through JCuda, NVML through JNA), next to nvidia-smi and the
# machine's PyTorch. Prepare with src/gpu/prepare.sh here, carry target/gpu-check, then run:
#   src/gpu/device-check.sh            (writes its report to $OUT/gpu-check.txt when $OUT is set)
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CHECK="$ROOT/target/gpu-check"
REPORT="${OUT:-$ROOT/target}/gpu-check.txt"
mkdir -p "$(dirname "$REPORT")"
{
  echo "## host"; uname -a; date -u
  echo "## nvidia-smi"
  nvidia-smi --query-gpu=index,name,uuid,memory.total,memory.used,utilization.gpu,power.draw \
    --format=csv 2>&1 || echo "nvidia-smi: not available"
  echo "## PyTorch on this machine (libtorch 2.7.1 is what DJL 0.35.1 could use)"
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1
  echo "## the server's device inventory (DeviceReport)"
  if [[ -x "$CHECK/jre/bin/java" ]]; then
    CP="$(find "$CHECK/lib" -maxdepth 1 -name '*.jar' | tr '\n' ':')$CHECK/lib/bench-classes"
    [[ -d "$CHECK/lib/runtime-classes" ]] && CP="$CP:$CHECK/lib/runtime-classes"
    CLASSPATH="$CP" timeout 120 "$CHECK/jre/bin/java" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
      org.modelserver.bench.DeviceReport 2>&1
  else
    echo "target/gpu-check is missing: run src/gpu/prepare.sh first and carry it"
  fi
} | tee "$REPORT"
