# lib.sh: shell functions shared by the benchmark scripts (sourced, not run).
#
#   . "$(dirname "$0")/lib.sh"
#   printf '%s\n' 5 3 9 | bench_median        # 5
#   bench_tsc_mhz                              # "2600 (kernel TSC calibration)"

# bench_median: the median of the integers on stdin, one per line ("-" if
# none; the mean of the middle two for an even count, rounded down).
bench_median() {
  sort -n | awk 'NF { v[++n] = $1 } END {
    if (n == 0) print "-";
    else if (n % 2) print v[(n + 1) / 2];
    else printf "%d\n", (v[n / 2] + v[n / 2 + 1]) / 2 }'
}

# bench_tsc_mhz: the host TSC rate — the kernel's own calibration when it is
# readable, else the nominal frequency in the model name (constant_tsc runs
# at it), else cpu MHz — and where the number came from.
bench_tsc_mhz() {
  local khz mhz
  if [ -r /sys/devices/system/cpu/cpu0/tsc_freq_khz ]; then
    khz=$(cat /sys/devices/system/cpu/cpu0/tsc_freq_khz)
    echo "$((khz / 1000)) (sysfs tsc_freq_khz)"
    return
  fi
  mhz=$(dmesg 2>/dev/null | sed -n 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p' | tail -n1)
  [ -z "$mhz" ] && mhz=$(dmesg 2>/dev/null | sed -n 's/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' | tail -n1)
  if [ -n "$mhz" ]; then
    echo "$mhz (kernel TSC calibration)"
    return
  fi
  mhz=$(sed -n 's/^model name.*@ *\([0-9.]*\)GHz.*/\1/p' /proc/cpuinfo | head -n1)
  if [ -n "$mhz" ]; then
    awk -v g="$mhz" 'BEGIN { printf "%.0f (nominal, model name)\n", g * 1000 }'
    return
  fi
  mhz=$(sed -n 's/^cpu MHz[^:]*: *\([0-9.]*\).*/\1/p' /proc/cpuinfo | head -n1)
  echo "${mhz:-unknown} (cpu MHz)"
}

# bench_ratio A B [DIGITS]: A / B, or "-" unless both are positive numbers.
bench_ratio() {
  awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN {
    if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.*f\n", d, a / b; else print "-" }'
}
