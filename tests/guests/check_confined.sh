#!/usr/bin/env bash
# check_confined.sh BTVISOR KERNEL [extra args...]
#
# Proves a running guest's monitor is confined (monitor/confine.c): boots
# KERNEL (a self-checking guest that runs a few seconds, e.g. the test OS
# with "-append idle"), reads /proc/PID/status of the monitor while the
# guest runs, and passes when
#   - the status shows the seccomp allow-list on top of the i386 trap filter
#     (Seccomp: 2, Seccomp_filters: 2 where the kernel reports it),
#     NoNewPrivs: 1 and CapEff: 0000000000000000, and
#   - the guest still passes, and --stats reports confine_seccomp 1.
# A host that cannot install seccomp filters (or BTVISOR_HOST_PROBE=nocompat)
# skips with exit 77.
set -u

if [ $# -lt 2 ]; then
  echo "usage: $0 BTVISOR KERNEL [extra args...]" >&2
  exit 2
fi
vmm=$1
kernel=$2
shift 2
out=$(mktemp)
stats=$(mktemp)
trap 'rm -f "$out" "$stats"' EXIT

if "$vmm" --version | grep -q "seccomp no"; then
  echo "skipped: this host cannot install seccomp filters ($("$vmm" --version | tail -n 1))"
  exit 77
fi

"$vmm" -kernel "$kernel" -serial stdio -m 64M --stats --stats-file "$stats" "$@" </dev/null >"$out" 2>&1 &
pid=$!
status_line() { grep "^$1:" "/proc/$pid/status" 2>/dev/null | awk '{print $2}'; }
confined=""
for _ in $(seq 1 80); do
  filters=$(status_line Seccomp_filters)
  caps=$(status_line CapEff)
  if [ "$(status_line Seccomp)" = 2 ] && [ "${filters:-2}" -ge 2 ] && [ "$caps" = 0000000000000000 ]; then
    confined="Seccomp $(status_line Seccomp), Seccomp_filters ${filters:-?}, NoNewPrivs $(status_line NoNewPrivs), CapEff $caps"
    [ "$(status_line NoNewPrivs)" = 1 ] || confined=""
    break
  fi
  sleep 0.05
done
wait "$pid"
status=$?
cat "$out"
fail=0
if [ -z "$confined" ]; then
  echo "check_confined: /proc/$pid/status never showed the allow-list, NoNewPrivs 1 and no capabilities"
  fail=1
else
  echo "check_confined: while the guest ran: $confined"
fi
if [ "$status" -ne 1 ] || ! grep -Eq '^SUMMARY: .*: [0-9]+ passed, 0 failed' "$out"; then
  echo "check_confined: the guest did not pass under confinement (exit status $status)"
  fail=1
fi
if ! grep -Eq '^ *confine_seccomp +1 ' "$stats"; then
  echo "check_confined: --stats does not report confine_seccomp 1"
  grep confine "$stats"
  fail=1
fi
exit $fail
