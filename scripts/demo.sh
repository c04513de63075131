#!/usr/bin/env bash
# Set up, build, and boot the default guest on btvisor (serial console on this terminal).
# Extra arguments go to btvisor, e.g.: scripts/demo.sh --stats
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec build/btvisor -kernel build/tests/guests/os.elf -m 64M -nographic "$@"
