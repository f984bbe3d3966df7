#!/usr/bin/env bash
# Runs the benchmarks of DESIGN.md section 6 that exist so far and prints their figures.
#   bench/run.sh [sink-points] [footprint-seconds]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/scripts/setup.sh" demo
mvn -B -q -ntp -DskipTests package
cp=$(mvn -B -q -ntp -pl bench dependency:build-classpath -Dmdep.outputFile=/dev/stdout)
java -Xmx2g -cp "bench/target/classes:$cp" io.wattguard.bench.SinkBench "${1:-1000000}" 3
java -cp "bench/target/classes:$cp" io.wattguard.bench.FootprintBench "${2:-60}" collector/target/wattguard.jar
