# The command list the Linux guest runs at boot (scripts/make-linux-guest.sh
# --commands tests/linux/commands.sh).  /init prints
# "BTVISOR-COMMANDS-DONE status=N" with the status of this script, then
# powers off.  Each step prints a line a harness can look for.
set -e
uname -a
cat /proc/cpuinfo
ls -l /
for i in 1 2 3; do echo loop $i; done
if [ -x /bin/forkpipe ]; then
    /bin/forkpipe
else
    echo "forkpipe: not built (no gcc -m32)"
fi
echo "commands: all done"
