#!/usr/bin/env bash
# check_host_calls.sh BTVISOR KERNEL [BTVISOR OPTIONS...]
#
# Proves that --stats counts every host system call of a run
# (monitor/hostcall.h): boots KERNEL (a self-checking guest) under
# `strace -f`, the independent count, and passes when
#   - the guest passes (exit status 1, a "SUMMARY: ... 0 failed" line; or
#     with HOST_CALLS_PASS="STATUS REGEX", exit status STATUS and a line
#     matching REGEX, e.g. "0 BTVISOR-COMMANDS-DONE status=0" for Linux), and
#   - for the monitor process, from the seccomp allow-list's installation
#     (the end of set-up, monitor/confine.c) to the first touch of the
#     statistics file (the report), strace's count of each kind equals the
#     counter of that kind, and the total equals hc_total (which is > 0):
#       hc_writes      write pwrite64 writev pwritev
#       hc_reads       read pread64 readv preadv
#       hc_polls       poll ppoll
#       hc_timers      timer_settime timer_delete
#       hc_maps        mmap munmap mprotect mremap madvise
#       hc_sigreturns  rt_sigreturn
#       hc_allocator   brk
#       hc_other       every other call
#     i386 calls of directly executed guest code (the guest's int 0x80,
#     trapped by seccomp) are the guest's, not counted on either side.
#     Clock reads go through the vDSO; should strace see clock_gettime
#     (a host clock source without a vDSO path), they must all have been
#     system calls: their number must equal hc_clock_reads.
# An option @DIR@/NAME names a file NAME in a fresh scratch directory,
# where master.img and slave.img are the ide guest's disks (ide_images.sh).  Without strace, or
# where ptrace is not allowed, or where seccomp filters cannot be installed
# (no marker for the end of set-up), the check is skipped (exit 77).
set -u

if [ $# -lt 2 ]; then
  echo "usage: $0 BTVISOR KERNEL [BTVISOR OPTIONS...]" >&2
  exit 2
fi
vmm=$1
kernel=$2
shift 2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

if [ ! -f "$kernel" ]; then
  echo "skipped: no $kernel (the Linux guest is assembled by the linux.commands test)"
  exit 77
fi
if ! command -v strace >/dev/null; then
  echo "skipped: strace is not installed (scripts/setup.sh installs Debian's strace)"
  exit 77
fi
if ! strace -f -qq -o /dev/null true 2>"$dir/strace.err"; then
  echo "skipped: strace cannot trace here: $(head -n 1 "$dir/strace.err")"
  exit 77
fi
if "$vmm" --version | grep -q "seccomp no"; then
  echo "skipped: this host cannot install seccomp filters, whose installation marks the end of set-up"
  exit 77
fi

. "$(dirname "$0")/ide_images.sh"
make_ide_images "$dir"
args=()
for a in "$@"; do args+=("${a//@DIR@/$dir}"); done
trace=$dir/trace
stats=$dir/stats.json
timeout --kill-after=5 "${GUEST_TIMEOUT:-120}" strace -f -qq -o "$trace" \
  "$vmm" -kernel "$kernel" -serial stdio -m 64M --stats=json --stats-file "$stats" "${args[@]}" \
  </dev/null >"$dir/out" 2>&1
status=$?
tail -n 5 "$dir/out"
pass=${HOST_CALLS_PASS:-1 ^SUMMARY: .*: [0-9]+ passed, 0 failed}
if [ "$status" -ne "${pass%% *}" ] || ! grep -Eq "${pass#* }" "$dir/out"; then
  echo "check_host_calls: the guest did not pass under strace (exit status $status)"
  exit 1
fi

# strace's count per kind in the window, one "kind count" line each.
pid=$(awk 'NR == 1 { print $1 }' "$trace")
awk -v pid="$pid" -v path="$stats" '
  function kind(name) {
    if (name ~ /^(write|pwrite64|writev|pwritev)$/) return "hc_writes"
    if (name ~ /^(read|pread64|readv|preadv)$/) return "hc_reads"
    if (name ~ /^(poll|ppoll)$/) return "hc_polls"
    if (name ~ /^(timer_settime|timer_delete)$/) return "hc_timers"
    if (name ~ /^(mmap|munmap|mprotect|mremap|madvise)$/) return "hc_maps"
    if (name == "rt_sigreturn") return "hc_sigreturns"
    if (name == "brk") return "hc_allocator"
    if (name ~ /^clock_(gettime|getres)$/ || name == "gettimeofday") return "clock"
    return "hc_other"
  }
  $1 != pid { next }
  $2 ~ /^(---|\+\+\+|<\.\.\.)/ { next }   # signals, exit, resumed calls
  # Directly executed guest user code (hosts with compatibility mode): its
  # int 0x80 enters the host kernel as an i386 call, which the seccomp
  # filter turns into SIGSYS.  The guest made it, not the monitor.
  $2 == "[" { if (/runs in 32 bit mode/) m32 = 1; else if (/runs in 64 bit mode/) m32 = 0; next }
  m32 { if (on) guest32++; next }
  { name = $2; sub(/\(.*/, "", name); first = $2; sub(/^[a-z_0-9]+\(/, "", first); sub(/,.*/, "", first) }
  name == "openat" && index($0, "\"" path "\"") { statsfd = $NF; next }
  name == "seccomp" && /SECCOMP_SET_MODE_FILTER/ && /\{len=/ && / = 0$/ { on = 1; total = 0; delete n; delete other; next }
  !on { next }
  statsfd != "" && first == statsfd { on = 0; done = 1; exit }
  { n[kind(name)]++; total += name ~ /^clock_|^gettimeofday$/ ? 0 : 1; if (kind(name) == "hc_other") other[name]++ }
  END {
    if (!done) { print "nomarker 1"; exit }
    for (k in n) print k, n[k]
    print "hc_total", total + 0
    for (o in other) printf "other:%s %d\n", o, other[o]
    print "guest32", guest32 + 0
  }' "$trace" >"$dir/counts"
if grep -q '^nomarker' "$dir/counts"; then
  echo "check_host_calls: no seccomp filter installation or no statistics write in the trace"
  exit 1
fi

json() { tr -d '\n' <"$stats" | grep -o "\"$1\"[[:space:]]*:[[:space:]]*[0-9]*" | head -n 1 | sed 's/.*://; s/[[:space:]]//g'; }
traced() { awk -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print 0 }' "$dir/counts"; }

fail=0
printf '%-15s %12s %12s\n' kind --stats strace
for k in hc_total hc_writes hc_reads hc_polls hc_timers hc_maps hc_sigreturns hc_allocator hc_other; do
  mine=$(json "$k")
  theirs=$(traced "$k")
  printf '%-15s %12s %12s\n' "$k" "${mine:-missing}" "$theirs"
  [ "${mine:-x}" = "$theirs" ] || fail=1
done
grep '^other:' "$dir/counts" | sed 's/^other:/  other calls: /'
[ "$(traced guest32)" = 0 ] || echo "  not counted: $(traced guest32) i386 calls of directly executed guest code (each a host signal)"
clock=$(traced clock)
if [ "$clock" != 0 ] && [ "$clock" != "$(json hc_clock_reads)" ]; then
  echo "check_host_calls: strace saw $clock clock calls, --stats counted $(json hc_clock_reads) clock reads"
  fail=1
fi
if [ "$(json hc_total)" = 0 ]; then
  echo "check_host_calls: hc_total is 0: the run made no counted call"
  fail=1
fi
[ "$fail" = 0 ] && echo "check_host_calls: every host system call after set-up is counted" ||
  echo "check_host_calls: --stats and strace disagree"
exit $fail
