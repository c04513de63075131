#!/usr/bin/env bash
# Set up, build and run every test (unit tests and guest test kernels).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
