#!/usr/bin/env bash
# On a machine with NVIDIA GPUs: print everything the binding reads, run the binding's tests including the
# real-GPU checks (WATTGUARD_REAL_GPU=1), and run the sampling benchmark against the machine's driver.
#   nvml-bindings/scripts/real-gpu-profile.sh [LIBRARY]    LIBRARY defaults to the platform's usual places
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
lib=${1:-${WATTGUARD_NVML_LIBRARY:-}}
export WATTGUARD_NVML_LIBRARY=$lib
mvn -B -q -ntp -pl nvml-bindings -am test-compile
mvn -B -q -ntp -pl nvml-bindings dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
cp="nvml-bindings/target/classes:nvml-bindings/target/test-classes:$(cat nvml-bindings/target/bench.classpath)"
echo "== what the binding reads"
java -cp "$cp" io.wattguard.nvml.bench.RealGpuReport "$lib"
echo "== tests, with the real-GPU profile"
WATTGUARD_REAL_GPU=1 mvn -B -q -ntp -pl nvml-bindings -am verify
echo "== tests passed; sampling benchmark against this driver"
java -Xmx256m -cp "$cp" io.wattguard.nvml.bench.NvmlBench --library "${lib:-libnvidia-ml.so.1}"
