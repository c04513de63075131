#!/usr/bin/env bash
# run_xv6.sh BTVISOR [QEMU]
#
# Times xv6's usertests (scripts/run-xv6.sh, BTVISOR_XV6_DIR names the built
# xv6 tree) on btvisor and on QEMU (default qemu-system-i386 from PATH,
# -accel tcg), interleaved BENCH_RUNS times (default 3), and prints each
# one's median with the spread [min-max] and the ratio btvisor / QEMU.
# A failing run is left out and named.  Nothing here asserts anything about
# time.
set -u
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BTVISOR [QEMU]" >&2
  exit 2
fi
here=$(dirname "$0")
. "$here/lib.sh"
btvisor=$1
qemu=${2:-$(command -v qemu-system-i386 || true)}
[ -n "$qemu" ] || { echo "run_xv6.sh: no qemu-system-i386 (give its path)" >&2; exit 2; }
runs=${BENCH_RUNS:-3}
run=$here/../scripts/run-xv6.sh
bt_ms=() qemu_ms=()
for i in $(seq "$runs"); do
  out=$("$run" "$btvisor") && bt_ms+=("$(sed -n 's/^usertests: \([0-9]*\) ms$/\1/p' <<<"$out")") ||
    echo "btvisor run $i failed: $(grep -m1 FAIL <<<"$out")"
  out=$("$run" --qemu "$qemu") && qemu_ms+=("$(sed -n 's/^usertests: \([0-9]*\) ms$/\1/p' <<<"$out")") ||
    echo "QEMU run $i failed: $(grep -m1 FAIL <<<"$out")"
done
stat() { printf '%s\n' "$@" | bench_median; }
spread() { printf '%s\n' "$@" | sort -n | sed -n '1p;$p' | paste -sd-; }
bt=$(stat "${bt_ms[@]}") q=$(stat "${qemu_ms[@]}")
echo "usertests btvisor: median $bt ms [$(spread "${bt_ms[@]}")] over ${#bt_ms[@]} runs"
echo "usertests QEMU TCG: median $q ms [$(spread "${qemu_ms[@]}")] over ${#qemu_ms[@]} runs"
[ "$bt" != "-" ] && [ "$q" != "-" ] && awk -v b="$bt" -v q="$q" 'BEGIN { printf "ratio btvisor / QEMU: %.2f\n", b / q }'
