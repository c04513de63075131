#!/usr/bin/env bash
# run_mmu.sh BTVISOR [QEMU]
#
# Runs the MMU benchmark guest (bench/guests/mmu_bench.c) on btvisor and,
# as the reference in the same invocation, on qemu-system-i386 with TCG,
# then prints the median cycles per operation of each measure side by side
# and the host TSC frequency, so cycles convert to time.  Builds nothing:
# the guest is $MMU_BENCH_KERNEL, by default bench/mmu_bench.elf in the
# build directory that holds BTVISOR (target bench_guests).
#
#   cmake --build build --target btvisor bench_guests
#   bench/run_mmu.sh build/btvisor
#
# QEMU defaults to qemu-system-i386 from PATH; give "none" to skip it.
# A run that fails (exit status other than 1, or no passing SUMMARY line:
# the guest did not finish its checks) shows as "failed" with the reason
# below the table.
set -u
. "$(dirname "$0")/lib.sh"

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BTVISOR [QEMU|none]" >&2
  exit 2
fi
btvisor=$1
qemu=${2:-$(command -v qemu-system-i386 || echo none)}
kernel=${MMU_BENCH_KERNEL:-$(dirname "$btvisor")/bench/mmu_bench.elf}
timeout_s=${BENCH_TIMEOUT:-300}
measures="hidden_fault pf_roundtrip cr3_switch cr3_switch_touch"

if [ ! -f "$kernel" ]; then
  echo "run_mmu: no benchmark guest at $kernel (build target bench_guests, or set MMU_BENCH_KERNEL)" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run_vmm NAME VMM ARGS...: the guest's output in $work/NAME.out, a one-line
# failure reason in $work/NAME.err (empty on success).
run_vmm() {
  local name=$1 status
  shift
  timeout --kill-after=5 "$timeout_s" "$@" </dev/null >"$work/$name.out" 2>&1
  status=$?
  : >"$work/$name.err"
  if [ "$status" -ne 1 ] || ! grep -Eq '^SUMMARY: mmu_bench: [0-9]+ passed, 0 failed' "$work/$name.out"; then
    echo "exit status $status: $(grep -m1 -iE 'error|fail|not supported|unsupported' "$work/$name.out" ||
      tail -n1 "$work/$name.out")" >"$work/$name.err"
  fi
}

# median NAME MEASURE: median of the "bench MEASURE <cycles>" lines.
median() {
  awk -v m="$2" '$1 == "bench" && $2 == m { print $3 }' "$work/$1.out" | bench_median
}

run_vmm btvisor "$btvisor" -kernel "$kernel" -serial stdio -m 64M
if [ "$qemu" != none ]; then
  run_vmm qemu "$qemu" -accel tcg -kernel "$kernel" -serial stdio -display none -monitor none \
    -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 64M
fi

printf '%-18s %14s %14s %8s\n' measure "btvisor" "qemu-tcg" "ratio"
for m in $measures; do
  b=$(median btvisor "$m")
  [ -s "$work/btvisor.err" ] && b=failed
  q=-
  if [ "$qemu" != none ]; then
    q=$(median qemu "$m")
    [ -s "$work/qemu.err" ] && q=failed
  fi
  ratio=$(awk -v b="$b" -v q="$q" 'BEGIN {
            if (b ~ /^[0-9]+$/ && q ~ /^[0-9]+$/ && q > 0) printf "%.2f", b / q; else print "-" }')
  printf '%-18s %14s %14s %8s\n' "$m" "$b" "$q" "$ratio"
done
echo "cycles per operation, median of the runs; ratio = btvisor / qemu-tcg"
echo "host TSC MHz: $(bench_tsc_mhz)"
echo "guest: $kernel"
for name in btvisor qemu; do
  if [ -s "$work/$name.err" ]; then
    echo "$name failed: $(cat "$work/$name.err")"
  fi
done
exit 0
