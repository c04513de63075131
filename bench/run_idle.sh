#!/usr/bin/env bash
# run_idle.sh BTVISOR [QEMU|none]
#
# What an idle guest costs its host: boots the test OS with "-append idle"
# (init sleeps 500 ticks, 5 s of guest time, in one sleep(); the kernel waits
# in its `sti; hlt` loop, woken by the 100 Hz PIT) BENCH_RUNS times (default
# 3) on btvisor with --stats, and on qemu-system-i386 -accel tcg as the
# reference, and reports the host CPU time the VMM process used (user + sys,
# from bash's `time`, which counts the process and its children) over the
# wall time of the run, as a percentage, with btvisor's host sleeps
# (ev_halt_waits) and delivered interrupts from --stats.  The wall time
# includes boot and exit (well under 0.1 s of it).  Builds nothing: the guest
# is $OS_KERNEL, by default tests/guests/os.elf next to BTVISOR.
#
#   cmake --build build --target btvisor guests
#   bench/run_idle.sh build/btvisor
#
# QEMU defaults to qemu-system-i386 from PATH; give "none" to skip it.  A run
# that fails (exit status other than 1, or no passing SUMMARY line) is left
# out and named below the table.  Nothing here asserts anything about time.
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BTVISOR [QEMU|none]" >&2
  exit 2
fi
. "$(dirname "$0")/lib.sh"
btvisor=$1
qemu=${2:-$(command -v qemu-system-i386 || echo none)}
kernel=${OS_KERNEL:-$(dirname "$btvisor")/tests/guests/os.elf}
runs=${BENCH_RUNS:-3}
timeout_s=${BENCH_TIMEOUT:-60}

if [ ! -f "$kernel" ]; then
  echo "run_idle: no guest at $kernel (build target guests, or set OS_KERNEL)" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run_vmm NAME R VMM ARGS...: guest output in $work/NAME.R.out, the VMM's
# stderr in .err, "wall user sys" seconds in .time, a failure reason in .fail.
run_vmm() {
  local run=$1.$2 status TIMEFORMAT='%3R %3U %3S'
  shift 2
  { time timeout --kill-after=5 "$timeout_s" "$@" </dev/null >"$work/$run.out" 2>"$work/$run.err"; } \
    2>"$work/$run.time"
  status=$?
  : >"$work/$run.fail"
  if [ "$status" -ne 1 ] || ! grep -Eq '^SUMMARY: os_idle: 1 passed, 0 failed' "$work/$run.out"; then
    echo "exit status $status: $(grep -m1 -iE 'error|fail|panic' "$work/$run.out" "$work/$run.err" ||
      tail -n1 "$work/$run.out")" >"$work/$run.fail"
  fi
}

for r in $(seq 1 "$runs"); do
  run_vmm btvisor "$r" "$btvisor" -kernel "$kernel" -serial stdio -m 64M -append idle --stats
  if [ "$qemu" != none ]; then
    run_vmm qemu "$r" "$qemu" -accel tcg -kernel "$kernel" -serial stdio -display none -monitor none \
      -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 64M -append idle
  fi
done

# report NAME: one line per good run, then the median CPU percentage.
report() {
  local name=$1 f run pcts=""
  for f in "$work/$name".*.time; do
    [ -e "$f" ] || continue
    run=${f%.time}
    [ -s "$run.fail" ] && continue
    read -r wall user sys <"$f"
    pct=$(awk -v w="$wall" -v u="$user" -v s="$sys" 'BEGIN { if (w > 0) printf "%.2f", 100 * (u + s) / w; else print "0.00" }')
    pcts="$pcts $pct"
    extra=""
    if [ "$name" = btvisor ]; then
      extra=$(awk '$1 == "ev_halt_waits" { h = $2 } $1 == "ev_interrupts" { i = $2 }
                   END { printf "halt waits %s, interrupts %s", h, i }' "$run.err")
    fi
    printf '%-8s run %-2s wall %7ss  user %6ss  sys %6ss  cpu %6s%%  %s\n' "$name" "${run##*.}" \
      "$wall" "$user" "$sys" "$pct" "$extra"
  done
  # percentages carry two decimals: take the median in hundredths
  med=$(for p in $pcts; do awk -v p="$p" 'BEGIN { printf "%d\n", p * 100 + 0.5 }'; done | bench_median)
  if [ "$med" = - ]; then
    echo "$name: every run failed"
  else
    awk -v m="$med" -v n="$name" 'BEGIN { printf "%s: host CPU %.2f%% of wall time (median)\n", n, m / 100 }'
  fi
}

report btvisor
[ "$qemu" != none ] && report qemu
echo "guest: $kernel -append idle (500 ticks of sleep); runs: $runs"
for f in "$work"/*.fail; do
  [ -s "$f" ] && echo "$(basename "${f%.fail}") failed: $(cat "$f")"
done
exit 0
