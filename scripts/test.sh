#!/usr/bin/env bash
# Set up, build and run every test (unit tests and guest test kernels).
# Tests that cannot run on this host exit 77 (skipped); their reasons are
# printed after the run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
status=0
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@" || status=$?
log=build/Testing/Temporary/LastTest.log
reasons=$( [ -f "$log" ] && grep -i "skipped:\|; skipped\|skipped (" "$log" | sort -u || true)
if [ -n "$reasons" ]; then
  echo "Why tests were skipped (from $log):"
  echo "$reasons" | sed 's/^/  /'
fi
exit "$status"
