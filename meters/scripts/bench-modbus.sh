#!/usr/bin/env bash
# Modbus benchmark (DESIGN.md section 6): our client's polls per second against libmodbus reading the same
# registers from the same simulated PDU in the same run, as a ratio (target >= 0.8), and requests per poll
# against the minimum for each shipped profile. Not a test: figures depend on the machine and its load.
#   meters/scripts/bench-modbus.sh [outlets=24] [seconds=3] [rounds=5]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
lib=/usr/lib/x86_64-linux-gnu/libmodbus.so.5
[ -e "$lib" ] || lib=$(/sbin/ldconfig -p | awk '/libmodbus\.so\.5 /{print $NF; exit}')
if [ -z "${lib:-}" ] || [ ! -e "$lib" ]; then
  echo "libmodbus.so.5 is missing: run scripts/setup.sh test (mbpoll brings it)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -o "$work/libmodbus-loop" "$top/meters/scripts/libmodbus-loop.c" "$lib"
cd "$top"
mvn -B -q -ntp -pl meters,simulator -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=test >/dev/null
cp="$top/simulator/target/test-classes:$top/simulator/target/classes:$top/meters/target/classes:$top/config/target/classes:$(cat "$work/cp.txt")"
java -Dlogback.configurationFile="$top/meters/scripts/logback-bench.xml" -cp "$cp" io.wattguard.simulator.modbus.ModbusBench "$work/libmodbus-loop" "$@"
