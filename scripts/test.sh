#!/usr/bin/env bash
# The test command: installs what the tests need when it is missing, then builds and runs every test.
# Extra arguments go to Maven (e.g. scripts/test.sh -pl collector -Dtest=SpoolTest).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh" test
cd "$top"
exec mvn -B -ntp verify "$@"
