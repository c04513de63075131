#!/usr/bin/env bash
# check_stats.sh BTVISOR KERNEL KEY MIN [BTVISOR OPTIONS...]
#
# Boots KERNEL (a self-checking guest) with --stats=json and the options,
# then checks that the statistic KEY in the report (e.g. "tc_hit_rate" in
# "derived", or a counter such as "co_in_block") is above MIN, or below N
# when MIN is written "<N".  Uses grep/awk only: CI machines may lack python.
set -u

if [ $# -lt 4 ]; then
  echo "usage: $0 BTVISOR KERNEL KEY MIN [BTVISOR OPTIONS...]" >&2
  exit 2
fi
btvisor=$1 kernel=$2 key=$3 min=$4
shift 4
here=$(dirname "$0")
stats=$(mktemp)
trap 'rm -f "$stats"' EXIT

"$here/run_guest.sh" "$btvisor" "$kernel" --stats=json --stats-file "$stats" "$@" || exit 1

echo "--- statistics ---"
cat "$stats"
echo
value=$(tr -d '\n' <"$stats" | grep -o "\"$key\"[[:space:]]*:[[:space:]]*[0-9.eE+-]*" |
        head -n 1 | sed 's/.*://; s/[[:space:]]//g')
if [ -z "$value" ]; then
  echo "check_stats: no \"$key\" in the statistics"
  exit 1
fi
if [ "${min#<}" != "$min" ]; then
  max=${min#<}
  if awk -v r="$value" -v max="$max" 'BEGIN { exit !(r + 0 < max + 0) }'; then
    echo "check_stats: $key $value < $max"
    exit 0
  fi
  echo "check_stats: $key $value is not below $max"
  exit 1
fi
if awk -v r="$value" -v min="$min" 'BEGIN { exit !(r + 0 > min + 0) }'; then
  echo "check_stats: $key $value > $min"
  exit 0
fi
echo "check_stats: $key $value is not above $min"
exit 1
