#!/usr/bin/env bash
# Boot Debian's unmodified i386 kernel on btvisor with the command list of
# tests/linux/commands.sh and check what it printed.
#
#   tests/linux/run_linux_test.sh BTVISOR SRCDIR OUTDIR [NAME BTVISOR-OPTIONS...]
#
# NAME (default "default") names this run's output files in OUTDIR
# (serial-NAME.txt, stderr-NAME.txt), so that runs with different options
# can share the cached guest; the options go to btvisor.
#
# The guest is assembled (and cached) by scripts/make-linux-guest.sh from
# Debian's package registry.  If it cannot be assembled — no registry
# reachable — the test is skipped (exit 77) and says why; every other
# failure fails it.
set -u
btvisor=$1
src=$2
out=$3
name=${4:-default}
shift $(( $# < 4 ? $# : 4 ))
mkdir -p "$out"
if ! "$src/scripts/make-linux-guest.sh" --commands "$src/tests/linux/commands.sh" "$out" > "$out/make.log" 2>&1; then
    echo "cannot assemble the Debian guest (is Debian's package registry reachable?); skipped:"
    tail -5 "$out/make.log"
    exit 77
fi
timeout "${LINUX_TIMEOUT:-300}" "$btvisor" -kernel "$out/bzImage" -initrd "$out/initrd.gz" \
    -append "console=ttyS0 quiet" -m 256M -nographic -no-reboot "$@" > "$out/serial-$name.txt" \
    2> "$out/stderr-$name.txt"
status=$?
cat "$out/serial-$name.txt"
cat "$out/stderr-$name.txt" >&2
fail=0
expect() {
    if grep -q -- "$1" "$out/serial-$name.txt"; then
        echo "ok - guest printed '$1'"
    else
        echo "FAIL - guest did not print '$1'"
        fail=1
    fi
}
expect "Linux (none) .* i686 GNU/Linux"
expect "model name"
expect "linuxrc -> /bin/busybox"
expect "loop 3"
expect "forkpipe: ok"
expect "BTVISOR-COMMANDS-DONE status=0"
if [ "$status" -ne 0 ]; then
    echo "FAIL - btvisor exited with status $status (expected 0 after the guest powered off)"
    fail=1
fi
[ "$fail" -eq 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit "$fail"
