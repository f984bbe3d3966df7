#!/usr/bin/env bash
# OPC UA scale benchmark: ITEMS monitored items at 1 s from the Milo meter simulator (one JVM) into one
# wattguard meter client (another JVM, measured alone): client process CPU and notification lateness.
#   meters/scripts/bench-opcua.sh [CHANNELS=2000] [FIELDS=5] [WARMUP_S=20] [MEASURE_S=60] [POLICY=None]
# 2000 channels x 5 fields = 10,000 items. POLICY: None or Basic256Sha256 (SignAndEncrypt).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
channels=${1:-2000}; fields=${2:-5}; warmup=${3:-20}; measure=${4:-60}; policy=${5:-None}
cd "$top"
mkdir -p target
mvn -B -q -ntp -pl meters,simulator -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test >/dev/null
# In the reactor, meters and config resolve to their target/classes (nothing is installed).
cp="simulator/target/test-classes:simulator/target/classes:$(cat simulator/target/bench-classpath.txt)"
main=io.wattguard.simulator.opcua.OpcUaBench
fifo=$(mktemp -u); mkfifo "$fifo"
java -Xmx1g -cp "$cp" $main server "$channels" "$fields" <"$fifo" >target/bench-opcua-server.log 2>&1 &
server=$!
exec 3>"$fifo"; rm -f "$fifo"
trap 'exec 3>&-; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do grep -q '^READY' target/bench-opcua-server.log 2>/dev/null && break; sleep 0.2; done
read -r _ port ns < <(grep '^READY' target/bench-opcua-server.log)
echo "simulator: port $port, namespace $ns, $((channels * fields)) items"
java -Xmx256m -cp "$cp" $main client "$port" "$ns" "$channels" "$fields" "$warmup" "$measure" "$policy" 2>target/bench-opcua-client.log
