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
#include "monitor/hostcall.h"
#include "monitor/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Output paths are checked before the guest runs, not when it has finished:
 * the statistics file is opened for writing (created if missing, not yet
 * truncated; O_NONBLOCK so a FIFO without a reader cannot block). */
static int main_check_stats_path(const struct vm_config *cfg)
{
    if (!cfg->stats_path)
        return 0;
    int fd = open(cfg->stats_path, O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "btvisor: cannot write statistics to '%s': %s\n", cfg->stats_path, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    struct vm_config cfg;
    host_allocator_setup(); /* before the first allocation: brk its only host call */
    int r = options_parse(argc, argv, &cfg, stdout, stderr);
    if (r != 0)
        return options_exit_status(r);
    if (main_check_stats_path(&cfg) < 0)
        return options_exit_status(-1);
    return vm_main(&cfg);
}
