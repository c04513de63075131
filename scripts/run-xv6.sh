#!/usr/bin/env bash
# run-xv6.sh [--qemu QEMU] [BTVISOR] [-- EXTRA-VMM-ARGS...]
#
# Boots MIT's xv6 (x86, mit-pdos/xv6-public) with the command line from its
# Makefile's "qemu-nox" target, translated for btvisor:
#
#   btvisor -kernel kernel -nographic -drive file=fs.img,index=1,media=disk,format=raw \
#           -drive file=xv6.img,index=0,media=disk,format=raw -smp 1 -m 512 --vga-text F
#
# types "usertests" at the shell over the serial console (stdin) and waits
# for "ALL TESTS PASSED".  The xv6 build is $BTVISOR_XV6_DIR (a built
# xv6-public tree holding kernel, fs.img and xv6.img; docs/XV6.md says how to
# make one).  Without it the script exits 77 with the reason.  fs.img is
# copied first: usertests writes to its disk and the build stays untouched.
#
# On btvisor it also checks that the VGA text mirror shows the same shell
# text as the serial console ("init: starting sh" and "ALL TESTS PASSED").
# With --qemu it runs the same command on QEMU instead (for bench/run_xv6.sh;
# no VGA check there).  Prints "usertests: N ms" (from typing the command to
# the verdict) and exits 0 on success, 1 on a failure, panic or timeout
# ($XV6_TIMEOUT seconds, default 900), 2 on bad usage.
set -u

qemu=
if [ "${1:-}" = "--qemu" ]; then
  qemu=${2:?--qemu needs the QEMU binary}
  shift 2
fi
btvisor=
if [ -z "$qemu" ]; then
  btvisor=${1:-$(dirname "$0")/../build/btvisor}
  [ $# -gt 0 ] && shift
  if [ ! -x "$btvisor" ]; then
    echo "run-xv6.sh: no btvisor binary at $btvisor" >&2
    exit 2
  fi
fi
[ "${1:-}" = "--" ] && shift
extra=("$@")

dir=${BTVISOR_XV6_DIR:-}
if [ -z "$dir" ]; then
  echo "SKIP: BTVISOR_XV6_DIR is not set (build mit-pdos/xv6-public as docs/XV6.md says and point it there)"
  exit 77
fi
for f in kernel fs.img xv6.img; do
  if [ ! -f "$dir/$f" ]; then
    echo "SKIP: $dir holds no xv6 build (no $f; run make xv6.img fs.img there)"
    exit 77
  fi
done

timeout_s=${XV6_TIMEOUT:-900}
tmp=$(mktemp -d)
pid=
cleanup() {
  exec 3>&- 2>/dev/null
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
cp "$dir/fs.img" "$tmp/fs.img"
mkfifo "$tmp/in"

args=(-kernel "$dir/kernel" -nographic
      -drive "file=$tmp/fs.img,index=1,media=disk,format=raw"
      -drive "file=$dir/xv6.img,index=0,media=disk,format=raw,snapshot=on"
      -smp 1 -m 512)
if [ -n "$qemu" ]; then
  "$qemu" -accel tcg "${args[@]}" "${extra[@]}" <"$tmp/in" >"$tmp/out" 2>&1 &
else
  "$btvisor" "${args[@]}" --vga-text "$tmp/vga.txt" "${extra[@]}" <"$tmp/in" >"$tmp/out" 2>&1 &
fi
pid=$!
exec 3>"$tmp/in"

now_ms() { date +%s%3N; }
# wait_for PATTERN SECONDS: poll the console log until the extended regular
# expression PATTERN appears (0), the guest panics or a test fails (1), the
# VMM exits (1) or SECONDS pass (1).
wait_for() {
  local end=$(( $(date +%s) + $2 ))
  while [ "$(date +%s)" -lt "$end" ]; do
    grep -Eq "$1" "$tmp/out" && return 0
    # usertests prints "... failed" and exits on a failing test; the kernel
    # prints "panic: ..." and stops.
    grep -Eq 'panic|failed|FAILED' "$tmp/out" && return 1
    kill -0 "$pid" 2>/dev/null || { grep -Eq "$1" "$tmp/out"; return; }
    sleep 0.2
  done
  return 1
}

fail() {
  echo "FAIL: $1"
  echo "--- console (last 30 lines):"
  tail -n 30 "$tmp/out"
  exit 1
}

wait_for '^\$ ' 120 || fail "no shell prompt within 120 s"
if [ -z "$qemu" ]; then
  sleep 0.5 # the mirror is rewritten as the screen changes
  grep -q 'init: starting sh' "$tmp/vga.txt" ||
    fail "the VGA text mirror does not show the shell's start ('init: starting sh')"
fi
start=$(now_ms)
echo usertests >&3
wait_for 'ALL TESTS PASSED' "$timeout_s" || fail "usertests did not print ALL TESTS PASSED"
end=$(now_ms)
echo "usertests: $((end - start)) ms"

# last_lines: the last 4 non-empty lines of stdin without carriage returns
# and trailing blanks (the serial console ends lines with \r\n, the mirror
# pads them to 80 columns).
last_lines() { tr -d '\r' | sed 's/[[:space:]]*$//' | grep -v '^$' | tail -n 4; }
if [ -z "$qemu" ]; then
  sleep 0.5
  if [ "$(last_lines <"$tmp/out")" != "$(last_lines <"$tmp/vga.txt")" ]; then
    echo "--- VGA text mirror:"
    cat "$tmp/vga.txt"
    fail "the VGA text mirror's last lines differ from the serial console's"
  fi
  echo "VGA mirror shows the shell text"
fi
echo "PASS: xv6 usertests"
exit 0
