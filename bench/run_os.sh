#!/usr/bin/env bash
# run_os.sh BTVISOR [QEMU|none]
#
# Runs the test OS's micro-benchmarks (tests/guests/os, "-append bench":
# compute loop, getpid round trip, demand-zero page fault, context switch)
# BENCH_RUNS times (default 5) on btvisor with --stats, the same compute
# loop as a native 32-bit Linux process (os_native_loop) as many times, and
# the OS on qemu-system-i386 -accel tcg as the reference, all interleaved in
# this one invocation so that they share the machine's mood.  Prints per
# measure the median over the runs (each run itself reports a median of 5)
# with the spread [min-max], the compute loop's ratio btvisor / native, and
# btvisor's trap counts per kind from --stats (medians over the runs).
# Builds nothing: the guest is $OS_KERNEL, by default tests/guests/os.elf in
# the build directory that holds BTVISOR, and the native loop $OS_NATIVE
# (tests/guests/os_native_loop there).
#
#   cmake --build build --target btvisor guests os_native_loop
#   bench/run_os.sh build/btvisor
#
# QEMU defaults to qemu-system-i386 from PATH; give "none" to skip it.  A run
# that fails (exit status other than 1, or no passing SUMMARY line, or a
# compute result that differs from the native one) is left out of the
# medians and named below the table.  Nothing here asserts anything about
# time.
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BTVISOR [QEMU|none]" >&2
  exit 2
fi
here=$(dirname "$0")
. "$here/lib.sh"
btvisor=$1
qemu=${2:-$(command -v qemu-system-i386 || echo none)}
build=$(dirname "$btvisor")
kernel=${OS_KERNEL:-$build/tests/guests/os.elf}
native=${OS_NATIVE:-$build/tests/guests/os_native_loop}
runs=${BENCH_RUNS:-5}
timeout_s=${BENCH_TIMEOUT:-300}
measures="compute_loop syscall_getpid page_fault context_switch"
# --stats counters shown, with what they count
counters="co_total:callouts hc_total:host-calls hc_timers:host-timer-calls ev_host_signals:host-signals
sh_hidden_faults:hidden-faults sm_tlb_misses:tlb-misses tc_unlinks:unlinks
ev_soft_ints:soft-ints ev_interrupts:interrupts ev_exceptions:exceptions
sh_true_page_faults:guest-page-faults de_entries:direct-entries sh_cr3_switches:cr3-loads"

for f in "$kernel" "$native"; do
  if [ ! -f "$f" ]; then
    echo "run_os: no $f (build targets guests and os_native_loop, or set OS_KERNEL / OS_NATIVE)" >&2
    exit 2
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# check_run NAME.R STATUS: a one-line failure reason in $work/NAME.R.fail,
# nothing there when the run finished and computed the native loop's result.
check_run() {
  local run=$1 status=$2 want
  : >"$work/$run.fail"
  want=$(awk '$2 == "native_compute_result" { print $3; exit }' "$work"/native.*.out 2>/dev/null)
  if [ "$status" -ne 1 ] || ! grep -Eq '^SUMMARY: os_bench: [0-9]+ passed, 0 failed' "$work/$run.out"; then
    echo "exit status $status: $(grep -m1 -iE 'error|fail|panic|not supported' "$work/$run.out" "$work/$run.err" ||
      tail -n1 "$work/$run.out")" >"$work/$run.fail"
  elif [ -n "$want" ] && ! grep -q "^bench compute_result $want " "$work/$run.out"; then
    echo "compute_result differs from the native $want" >"$work/$run.fail"
  fi
}

# run_vmm NAME R VMM ARGS...: guest output in $work/NAME.R.out, the VMM's
# stderr (btvisor's --stats report) in $work/NAME.R.err.
run_vmm() {
  local run=$1.$2 status
  shift 2
  timeout --kill-after=5 "$timeout_s" "$@" </dev/null >"$work/$run.out" 2>"$work/$run.err"
  status=$?
  check_run "$run" "$status"
}

run_native() {
  local run=native.$1
  : >"$work/$run.fail"
  if ! timeout "$timeout_s" "$native" >"$work/$run.out" 2>&1; then
    echo "exit status $?: $(tail -n1 "$work/$run.out")" >"$work/$run.fail"
  fi
}

for r in $(seq 1 "$runs"); do
  run_native "$r"
  run_vmm btvisor "$r" "$btvisor" -kernel "$kernel" -serial stdio -m 64M -append bench --stats
  if [ "$qemu" != none ]; then
    run_vmm qemu "$r" "$qemu" -accel tcg -kernel "$kernel" -serial stdio -display none -monitor none \
      -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 64M -append bench
  fi
done

# good_runs NAME: the output files of NAME's runs that did not fail.
good_runs() {
  local f
  for f in "$work/$1".*.out; do
    [ -e "$f" ] && [ ! -s "${f%.out}.fail" ] && echo "$f"
  done
}

# values NAME FIELD2 COLUMN: the numbers of lines "$1==bench $2==FIELD2" in
# NAME's good runs.
values() {
  local files
  files=$(good_runs "$1")
  [ -z "$files" ] && return
  # shellcheck disable=SC2086
  awk -v m="$2" '$1 == "bench" && $2 == m { print $3 }' $files
}

# cell VALUES...: "median [min-max]", or "failed" when there are none.
cell() {
  local med
  med=$(printf '%s\n' "$@" | bench_median)
  if [ "$med" = - ]; then
    echo failed
    return
  fi
  printf '%s [%s-%s]\n' "$med" "$(printf '%s\n' "$@" | sort -n | head -n1)" \
    "$(printf '%s\n' "$@" | sort -n | tail -n1)"
}

printf '%-16s %-32s %-32s %s\n' measure btvisor qemu-tcg "btvisor/qemu"
for m in $measures; do
  b=$(values btvisor "$m")
  q=$(values qemu "$m")
  bm=$(printf '%s\n' $b | bench_median)
  qm=$(printf '%s\n' $q | bench_median)
  qcell=-
  [ "$qemu" != none ] && qcell=$(cell $q)
  # shellcheck disable=SC2086
  printf '%-16s %-32s %-32s %s\n' "$m" "$(cell $b)" "$qcell" "$(bench_ratio "$bm" "$qm")"
done
n=$(values native native_compute_loop)
nm=$(printf '%s\n' $n | bench_median)
bm=$(printf '%s\n' $(values btvisor compute_loop) | bench_median)
qm=$(printf '%s\n' $(values qemu compute_loop) | bench_median)
# shellcheck disable=SC2086
printf '%-16s %-32s\n' native_loop "$(cell $n)"
echo "units: compute_loop cycles per run of the loop, syscall_getpid cycles/call,"
echo "       page_fault cycles/fault, context_switch cycles/switch; median [min-max] of $runs runs"
echo "compute_loop btvisor / native: $(bench_ratio "$bm" "$nm" 3)"
[ "$qemu" != none ] && echo "compute_loop qemu-tcg / native: $(bench_ratio "$qm" "$nm" 3)"

echo
echo "btvisor traps, whole run (boot + all four benchmarks), median of the runs' --stats:"
for c in $counters; do
  name=${c%%:*}
  files=$(good_runs btvisor | sed 's/\.out$/.err/')
  # shellcheck disable=SC2086
  v=$([ -n "$files" ] && awk -v n="$name" '$1 == n { print $2 }' $files | bench_median)
  printf '  %-20s %12s  (%s)\n' "${c#*:}" "${v:--}" "$name"
done
echo "host TSC MHz: $(bench_tsc_mhz)"
echo "guest: $kernel; native: $native; runs: $runs"
for f in "$work"/*.fail; do
  [ -s "$f" ] && echo "$(basename "${f%.fail}") failed: $(cat "$f")"
done
exit 0
