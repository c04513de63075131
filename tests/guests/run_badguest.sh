#!/usr/bin/env bash
# run_badguest.sh VMM STATUS TEXT KERNEL [extra VMM args...]
#
# Expected-failure runs: boots KERNEL (which may be broken or missing) and
# passes only if the VMM exits with exactly STATUS and its output (stdout
# and stderr) contains TEXT, case-insensitively (an empty TEXT is not
# checked).  GUEST_TIMEOUT (seconds, default 60) bounds the run.
set -u

if [ $# -lt 4 ]; then
  echo "usage: $0 VMM STATUS TEXT KERNEL [extra args...]" >&2
  exit 2
fi
vmm=$1
want_status=$2
want_text=$3
kernel=$4
shift 4
timeout_s=${GUEST_TIMEOUT:-60}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout --kill-after=5 "$timeout_s" "$vmm" -kernel "$kernel" -serial stdio -m 64M "$@" \
  </dev/null >"$out" 2>&1
status=$?
cat "$out"

fail=0
if [ "$status" -ne "$want_status" ]; then
  echo "run_badguest: $(basename "$kernel"): exit status $status, expected $want_status"
  fail=1
fi
if [ -n "$want_text" ] && ! grep -qiF -- "$want_text" "$out"; then
  echo "run_badguest: $(basename "$kernel"): output lacks \"$want_text\""
  fail=1
fi
exit $fail
