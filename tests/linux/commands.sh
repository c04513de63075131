# The command list the Linux guest runs at boot (scripts/make-linux-guest.sh
# --commands tests/linux/commands.sh).  /init prints
# "BTVISOR-COMMANDS-DONE status=N" with the status of this script, then
# powers off.  Each step prints a line a harness can look for.
set -e
uname -a
# How the kernel found the board: its log (ACPI tables, the I/O APIC, the
# local APIC timer), which controller delivers each interrupt, and the
# clock-event devices (run_linux_test.sh checks them).
dmesg
cat /proc/interrupts
grep "Clock Event Device" /proc/timer_list
cat /proc/cpuinfo
ls -l /
for i in 1 2 3; do echo loop $i; done
if [ -x /bin/forkpipe ]; then
    /bin/forkpipe
else
    echo "forkpipe: not built (no gcc -m32)"
fi
echo "commands: all done"
