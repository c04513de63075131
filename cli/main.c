/*
 * main.c: the btvisor executable.
 *
 * Parses the command line (options.c) and hands the configuration to
 * vm_main(), which builds the machine, loads the kernel, runs it, prints
 * the statistics if asked and returns the process exit status:
 *   0   the guest powered off (or reset with -no-reboot), or --help/--version
 *   2   bad command line or input file
 *   4   the guest failed (triple fault, halted forever, unsupported feature)
 *   odd the guest wrote v to the debug-exit port: (v << 1) | 1
 *   70  an internal error in btvisor
 *
 *   btvisor -kernel tests/guests/demo.elf -serial stdio
 */
#include "cli/options.h"
#include "monitor/vm.h"

int main(int argc, char **argv)
{
    struct vm_config cfg;
    int r = options_parse(argc, argv, &cfg, stdout, stderr);
    if (r != 0)
        return options_exit_status(r);
    return vm_main(&cfg);
}
