#!/usr/bin/env bash
# NVML sampling benchmark: the binding against a C loop making the same calls to the same library, in one run.
#   nvml-bindings/scripts/bench.sh                    against the C test double (no GPU needed)
#   nvml-bindings/scripts/bench.sh --library PATH     against a real libnvidia-ml.so.1 (a GPU machine)
# Needs what the tests need (scripts/setup.sh test). Builds only this module; never installs anything.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
mvn -B -q -ntp -pl nvml-bindings -am test-compile
mvn -B -q -ntp -pl nvml-bindings dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
cp="nvml-bindings/target/classes:nvml-bindings/target/test-classes:$(cat nvml-bindings/target/bench.classpath)"
exec java -Xmx256m -cp "$cp" io.wattguard.nvml.bench.NvmlBench "$@"
