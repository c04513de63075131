#!/usr/bin/env bash
# run_ide_guest.sh VMM KERNEL MODE
#
# Boots the ide guest (tests/guests/ide.c) with two fresh raw images on the
# primary IDE channel — master 2048 sectors, slave 16 — whose dword i of
# sector n is SEED ^ n << 8 ^ i (SEED 0x5a000000 for the master, 0xa5000000
# for the slave), and checks the images afterwards:
#   rw        the guest's writes (sectors 100 and 200-207) are in the
#             master's file, every other sector is as it was;
#   snapshot  snapshot=on: the guest reads its writes back, the file is
#             unchanged;
#   ro        readonly=on (btvisor only, QEMU refuses read-only IDE disks):
#             the guest sees its write aborted, the file is unchanged.
# VMM may be btvisor or qemu-system-i386 (run_guest.sh adds QEMU's options).
set -u

if [ $# -ne 3 ]; then
  echo "usage: $0 VMM KERNEL rw|snapshot|ro" >&2
  exit 2
fi
here=$(dirname "$0")
vmm=$1
kernel=$2
mode=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

. "$here/ide_images.sh"
make_ide_images "$dir"
cp "$dir/master.img" "$dir/master.orig"
cp "$dir/slave.img" "$dir/slave.orig"

opts=
append=rw
case "$mode" in
  rw) ;;
  snapshot) opts=,snapshot=on ;;
  ro) opts=,readonly=on; append=ro ;;
  *) echo "run_ide_guest: unknown mode '$mode'" >&2; exit 2 ;;
esac

"$here/run_guest.sh" "$vmm" "$kernel" -append "$append" \
  -drive "file=$dir/master.img,index=0,media=disk,format=raw$opts" \
  -drive "file=$dir/slave.img,index=1,media=disk,format=raw" || exit 1

fail=0
if ! cmp -s "$dir/slave.img" "$dir/slave.orig"; then
  echo "run_ide_guest: the slave image changed"
  fail=1
fi
if [ "$mode" != rw ]; then
  if cmp -s "$dir/master.img" "$dir/master.orig"; then
    echo "run_ide_guest: $mode: the master image is unchanged"
  else
    echo "run_ide_guest: $mode: the master image changed"
    fail=1
  fi
  exit $fail
fi
# rw: the expected image is the original with the guest's sectors patched in.
perl -e 'my ($orig) = @ARGV; open(my $f, "<", $orig) or die; binmode $f; local $/; my $d = <$f>;
         for my $s (100, 200 .. 207) {
             substr($d, $s * 512, 512) = pack("V*", map { 0xd0000000 | ($s << 12) | $_ } 0 .. 127) }
         binmode STDOUT; print $d' "$dir/master.orig" >"$dir/master.want"
if cmp "$dir/master.img" "$dir/master.want"; then
  echo "run_ide_guest: rw: the master image holds the guest's writes and nothing else changed"
else
  echo "run_ide_guest: rw: the master image is not what the guest wrote"
  fail=1
fi
exit $fail
