#!/usr/bin/env bash
# scripts/kut.sh [--no-fetch] [--qemu]: kvm-unit-tests on btvisor.
#
# Fetches kvm-unit-tests (its public repository, at the commit below) into
# $BTVISOR_KUT_DIR (default build/kvm-unit-tests; the suite's code never
# enters the project), builds its i386 tests (./configure --arch=i386 &&
# make), and runs every entry of x86/unittests.cfg with the suite's own
# runner, run_tests.sh, with btvisor as the VMM (QEMU=build/btvisor), then
# with qemu-system-i386 TCG too when --qemu is given and QEMU is installed.
# Logs: $BTVISOR_KUT_DIR/btvisor.log and qemu-tcg.log; docs/TESTING.md has
# the table of outcomes.  Afterwards `BTVISOR_KUT_DIR=... ctest -L kut`
# runs the quick entries as a test.
#
#   scripts/kut.sh                 # fetch, build, run on btvisor
#   BTVISOR_HOST_PROBE=nocompat scripts/kut.sh --no-fetch   # as on CI hosts
set -euo pipefail

repo_url=${KUT_REPO:-https://gitlab.com/kvm-unit-tests/kvm-unit-tests.git}
kut_commit=${KUT_COMMIT:-1da1819e49fc4938985edca67df669099b4c87a7}
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${BTVISOR_KUT_DIR:-$root/build/kvm-unit-tests}
fetch=1
qemu=0
for a in "$@"; do
  case "$a" in
    --no-fetch) fetch=0 ;;
    --qemu) qemu=1 ;;
    *) echo "usage: $0 [--no-fetch] [--qemu]" >&2; exit 2 ;;
  esac
done

btvisor=${BTVISOR:-$root/build/btvisor}
[ -x "$btvisor" ] || bash "$root/scripts/build.sh"

if [ $fetch -eq 1 ] && [ ! -d "$dir/.git" ]; then
  git clone --quiet "$repo_url" "$dir"
fi
if [ $fetch -eq 1 ]; then
  git -C "$dir" fetch --quiet origin "$kut_commit" 2>/dev/null || true
  git -C "$dir" checkout --quiet "$kut_commit"
fi
if [ ! -f "$dir/x86/setjmp.flat" ]; then
  (cd "$dir" && ./configure --arch=i386 >/dev/null && make -j2 >"$dir/build.log" 2>&1)
fi

echo "kvm-unit-tests $(git -C "$dir" rev-parse --short HEAD 2>/dev/null || echo '?') in $dir"
(cd "$dir" && QEMU="$btvisor" ACCEL=tcg ./run_tests.sh 2>&1 | tee "$dir/btvisor.log")
if [ $qemu -eq 1 ] && command -v qemu-system-i386 >/dev/null; then
  (cd "$dir" && ACCEL=tcg ./run_tests.sh 2>&1 | tee "$dir/qemu-tcg.log")
fi
echo "btvisor: $(grep -c 'PASS' "$dir/btvisor.log") PASS, $(grep -c 'FAIL' "$dir/btvisor.log") FAIL," \
     "$(grep -c 'SKIP' "$dir/btvisor.log") SKIP"
