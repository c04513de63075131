#!/usr/bin/env bash
# check_stats.sh BTVISOR KERNEL MIN_HIT_RATE
#
# Boots KERNEL (a self-checking guest) with --stats=json, then checks that
# the translation-cache hit rate in the report ("derived": {"tc_hit_rate":
# x}) is above MIN_HIT_RATE.  Uses grep/awk only: CI machines may lack python.
set -u

if [ $# -ne 3 ]; then
  echo "usage: $0 BTVISOR KERNEL MIN_HIT_RATE" >&2
  exit 2
fi
here=$(dirname "$0")
stats=$(mktemp)
trap 'rm -f "$stats"' EXIT

"$here/run_guest.sh" "$1" "$2" --stats=json --stats-file "$stats" || exit 1

echo "--- statistics ---"
cat "$stats"
echo
rate=$(tr -d '\n' <"$stats" | grep -o '"tc_hit_rate"[[:space:]]*:[[:space:]]*[0-9.eE+-]*' |
       head -n 1 | sed 's/.*://; s/[[:space:]]//g')
if [ -z "$rate" ]; then
  echo "check_stats: no \"tc_hit_rate\" in the statistics"
  exit 1
fi
if awk -v r="$rate" -v min="$3" 'BEGIN { exit !(r + 0 > min + 0) }'; then
  echo "check_stats: tc_hit_rate $rate > $3"
  exit 0
fi
echo "check_stats: tc_hit_rate $rate is not above $3"
exit 1
