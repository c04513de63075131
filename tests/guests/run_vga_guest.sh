#!/usr/bin/env bash
# run_vga_guest.sh BTVISOR KERNEL [extra btvisor args...]
#
# Boots the vga guest (tests/guests/vga.c) with --vga-text and --stats, then
# checks what a person would see: the text file is the 25 screen rows the
# guest scrolled to (video memory rows 10-34, "vga line NN"), the
# unprintable byte in row 12 shows as '?', and --stats counted at least the
# 2000 cells that differ between the blank screen and the final one (each
# sample counts the cells changed since the last, so the sum can only be
# more when a sample falls in the middle).
set -u

if [ $# -lt 2 ]; then
  echo "usage: $0 BTVISOR KERNEL [extra args...]" >&2
  exit 2
fi
here=$(dirname "$0")
btvisor=$1
kernel=$2
shift 2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$here/run_guest.sh" "$btvisor" "$kernel" --vga-text "$dir/screen.txt" --stats-file "$dir/stats" "$@" || exit 1

echo "--- text screen ---"
cat "$dir/screen.txt"
fail=0
lines=$(wc -l <"$dir/screen.txt")
if [ "$lines" -ne 25 ]; then
  echo "run_vga_guest: the screen file has $lines lines, expected 25"
  fail=1
fi
for row in $(seq 0 24); do
  want=$(printf 'vga line %02d' $((row + 10)))
  [ $((row + 10)) -eq 12 ] && want="$want$(printf '%*s' 68 '')?"
  got=$(sed -n "$((row + 1))p" "$dir/screen.txt")
  if [ "$got" != "$want" ]; then
    echo "run_vga_guest: screen row $row is '$got', expected '$want'"
    fail=1
  fi
done
drawn=$(awk '$1 == "vga_cells_drawn" { print $2 }' "$dir/stats")
if [ -z "$drawn" ] || [ "$drawn" -lt 2000 ]; then
  echo "run_vga_guest: vga_cells_drawn is '${drawn}', expected at least 2000 (the whole screen)"
  fail=1
else
  echo "run_vga_guest: vga_cells_drawn $drawn"
fi
exit $fail
