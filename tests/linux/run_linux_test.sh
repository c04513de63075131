#!/usr/bin/env bash
# Boot Debian's unmodified i386 kernel on btvisor with the command list of
# tests/linux/commands.sh and check what it printed.
#
#   tests/linux/run_linux_test.sh BTVISOR SRCDIR OUTDIR [NAME BTVISOR-OPTIONS...]
#
# NAME (default "default") names this run's output files in OUTDIR
# (serial-NAME.txt, stderr-NAME.txt), so that runs with different options
# can share the cached guest; the options go to btvisor.
#
# The guest is assembled (and cached) by scripts/make-linux-guest.sh from
# Debian's package registry.  If it cannot be assembled — no registry
# reachable — the test is skipped (exit 77) and says why; every other
# failure fails it.
set -u
btvisor=$1
src=$2
out=$3
name=${4:-default}
shift $(( $# < 4 ? $# : 4 ))
mkdir -p "$out"
if ! "$src/scripts/make-linux-guest.sh" --commands "$src/tests/linux/commands.sh" "$out" > "$out/make.log" 2>&1; then
    echo "cannot assemble the Debian guest (is Debian's package registry reachable?); skipped:"
    tail -5 "$out/make.log"
    exit 77
fi
timeout "${LINUX_TIMEOUT:-300}" "$btvisor" -kernel "$out/bzImage" -initrd "$out/initrd.gz" \
    -append "console=ttyS0 quiet" -m 256M -nographic -no-reboot "$@" > "$out/serial-$name.txt" \
    2> "$out/stderr-$name.txt"
status=$?
cat "$out/serial-$name.txt"
cat "$out/stderr-$name.txt" >&2
fail=0
expect() {
    if grep -q -- "$1" "$out/serial-$name.txt"; then
        echo "ok - guest printed '$1'"
    else
        echo "FAIL - guest did not print '$1'"
        fail=1
    fi
}
expect "Linux (none) .* i686 GNU/Linux"
expect "model name"
expect "linuxrc -> /bin/busybox"
expect "loop 3"
expect "forkpipe: ok"
expect "BTVISOR-COMMANDS-DONE status=0"
# The board as Debian's kernel sees it (dmesg, /proc/interrupts and
# /proc/timer_list from commands.sh): ACPI tables found and parsed, the
# I/O APIC from the MADT routing the legacy interrupts, the local APIC timer
# ticking as a clock-event device, and S5 offered for power-off.
expect "ACPI: RSDP 0x"
expect "ACPI: RSDT 0x"
expect "ACPI: FACP 0x"
expect "ACPI: APIC 0x"
expect "IOAPIC\[0\]: apic_id [0-9]*, version [0-9]*, address 0xfec00000, GSI 0-23"
expect "ACPI: Using ACPI (MADT) for SMP configuration information"
expect "ACPI: Interpreter enabled"
expect "ACPI: Using IOAPIC for interrupt routing"
expect "ACPI: PM: (supports S0 S5)"
expect "IO-APIC *4-edge *ttyS0"
expect "IO-APIC *2-edge *timer"
expect "Clock Event Device: lapic"
if grep -Eq "^ *LOC: *[1-9][0-9]* .*Local timer interrupts" "$out/serial-$name.txt"; then
    echo "ok - the local APIC timer interrupted ($(grep -E '^ *LOC:' "$out/serial-$name.txt" | awk '{print $2}') times)"
else
    echo "FAIL - /proc/interrupts shows no local APIC timer interrupts (LOC)"
    fail=1
fi
# poweroff -f ends the run through ACPI's PM1 control register (S5): the
# kernel says so, btvisor exits 0, and it was not a halt with nothing to
# wake the CPU (which also exits 0, with a message).
expect "reboot: Power down"
if [ "$status" -ne 0 ]; then
    echo "FAIL - btvisor exited with status $status (expected 0 after the guest powered off)"
    fail=1
elif grep -q "guest halted" "$out/stderr-$name.txt"; then
    echo "FAIL - the guest halted instead of powering off through ACPI"
    fail=1
else
    echo "ok - the guest powered off through ACPI and btvisor exited 0"
fi
[ "$fail" -eq 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit "$fail"
