#!/usr/bin/env bash
# run_kut.sh BTVISOR [TEST...]
#
# Runs entries of kvm-unit-tests' x86/unittests.cfg with btvisor in place
# of qemu-system-i386, through the suite's own runner (x86/run, which
# builds the command line QEMU would get: -nodefaults -device pc-testdev
# -device isa-debug-exit ... -kernel X.flat -smp 1 -initrd ENV ...).
# The suite must already be built for i386 (scripts/kut.sh does that) in
# $BTVISOR_KUT_DIR; without it the test is skipped (exit 77) with the
# reason.  Each named entry must PASS; the default list is the quick ones
# btvisor passes.  Exit 0 when all pass, 1 otherwise.
set -u

btvisor=$(realpath "$1")
shift
dir=${BTVISOR_KUT_DIR:-}
if [ -z "$dir" ]; then
  echo "SKIP: BTVISOR_KUT_DIR is not set (build kvm-unit-tests for i386 with scripts/kut.sh and point it there)"
  exit 77
fi
if [ ! -x "$dir/x86/run" ] || [ ! -f "$dir/config.mak" ] || [ ! -f "$dir/x86/setjmp.flat" ]; then
  echo "SKIP: $dir holds no i386 build of kvm-unit-tests (x86/run, config.mak, x86/*.flat)"
  exit 77
fi
if ! grep -q '^ARCH=i386' "$dir/config.mak"; then
  echo "SKIP: $dir is configured for $(grep '^ARCH=' "$dir/config.mak"), not i386"
  exit 77
fi

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
  tests=(cmpxchg8b setjmp taskswitch vmexit_cpuid vmexit_mov_from_cr8 vmexit_mov_to_cr8
         vmexit_inl_pmtimer vmexit_ple_round_robin vmexit_tscdeadline vmexit_tscdeadline_immed umip emulator eventinj
         tsc smap realmode)
fi

# One entry of unittests.cfg: "file", "test_args" (-append), "qemu_params".
cfg_field() {
  awk -v sec="[$1]" -v key="$2" '
    $0 == sec { on = 1; next }
    /^\[/ { on = 0 }
    on && $1 == key { sub(/^[^=]*= */, ""); print; exit }' "$dir/x86/unittests.cfg"
}

fail=0
for t in "${tests[@]}"; do
  file=$(cfg_field "$t" file)
  if [ -z "$file" ]; then
    echo "run_kut: $t is not an entry of x86/unittests.cfg"
    fail=1
    continue
  fi
  args=$(cfg_field "$t" test_args | tr -d "'")
  params=$(cfg_field "$t" qemu_params)
  timeout=$(cfg_field "$t" timeout)
  cmd=(./x86/run "x86/$file" -smp 1)
  # shellcheck disable=SC2206 # qemu_params is a list of words
  [ -n "$params" ] && cmd+=($params)
  [ -n "$args" ] && cmd+=(-append "$args")
  out=$(cd "$dir" && QEMU="$btvisor" ACCEL=tcg TIMEOUT="${timeout:-90}" "${cmd[@]}" 2>&1)
  st=$?
  if [ $st -eq 0 ]; then
    echo "PASS $t ($(grep -m1 '^SUMMARY' <<<"$out" || echo 'no summary'))"
  else
    echo "$out" | tail -20
    echo "FAIL $t: ${cmd[*]} exited with $st"
    fail=1
  fi
done
exit $fail
