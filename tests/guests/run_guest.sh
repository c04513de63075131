#!/usr/bin/env bash
# run_guest.sh VMM KERNEL [extra VMM args...]
#
# Boots a self-checking guest test kernel and decides pass/fail.  VMM is the
# btvisor binary (or qemu-system-i386, the reference machine: then the
# QEMU-specific options are added).  The guest passes when
#   - the VMM exits with status 1 (debug-exit port 0xf4 written with 0), and
#   - the output holds no "FAIL", and
#   - the output holds the line "SUMMARY: <name>: <n> passed, 0 failed".
# GUEST_TIMEOUT (seconds, default 60) bounds the run.
set -u

if [ $# -lt 2 ]; then
  echo "usage: $0 VMM KERNEL [extra args...]" >&2
  exit 2
fi
vmm=$1
kernel=$2
shift 2
timeout_s=${GUEST_TIMEOUT:-60}

case "$(basename "$vmm")" in
  qemu-system-*)
    args=(-kernel "$kernel" -serial stdio -display none -monitor none -no-reboot
          -device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 64M) ;;
  *)
    args=(-kernel "$kernel" -serial stdio -m 64M) ;;
esac

out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout --kill-after=5 "$timeout_s" "$vmm" "${args[@]}" "$@" </dev/null >"$out" 2>&1
status=$?
cat "$out"

fail=0
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "run_guest: $(basename "$kernel") timed out after ${timeout_s}s"
  fail=1
elif [ "$status" -ne 1 ]; then
  echo "run_guest: $(basename "$kernel"): exit status $status, expected 1 (debug-exit 0)"
  fail=1
fi
if grep -q "FAIL" "$out"; then
  echo "run_guest: $(basename "$kernel"): output contains FAIL"
  fail=1
fi
if ! grep -Eq '^SUMMARY: .*: [0-9]+ passed, 0 failed' "$out"; then
  echo "run_guest: $(basename "$kernel"): no passing SUMMARY line"
  fail=1
fi
exit $fail
