#!/usr/bin/env bash
# The test command: installs what the tests need when it is missing, then builds and runs every test.
# Extra arguments go to Maven (e.g. scripts/test.sh -pl collector -Dtest=SpoolTest).
# Surefire keeps the tests' output in */target/surefire-reports/; the detection evaluation's table is printed
# here, after Maven, when this run produced it (DetectionEvaluationTest writes it to the file below).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh" test
cd "$top"
table=demo/target/detection-evaluation.txt
started=$(mktemp)
trap 'rm -f "$started"' EXIT
rc=0
mvn -B -ntp verify "$@" || rc=$?
if [ "$table" -nt "$started" ]; then
  printf '\nDetection evaluation (DetectionEvaluationTest; also in %s):\n' "$table"
  cat "$table"
fi
exit "$rc"
