/*
 * confine.c: confine the monitor process before it runs guest code.
 *
 * A guest that found a hole in the translator (or in the direct-execution
 * engine) would run code with the monitor's rights.  Once the machine is
 * built and the kernel loaded, every file the run needs is open (kernel,
 * initrd and disks read or held by descriptor, serial output, statistics
 * and translation dump files), so the rest of the run needs only a short
 * list of host system calls:
 *   - memory: mmap/munmap/mprotect/mremap/madvise/brk (translation cache,
 *     soft MMU and shadow mappings, malloc);
 *   - signals: rt_sigreturn and friends (faults in translated code, the
 *     SIGALRM device timer), timer_settime/timer_delete, the clocks;
 *   - I/O on descriptors already open: read/write/pread/pwrite, ppoll,
 *     fstat, ftruncate, close, and the terminal ioctls the serial console
 *     uses to restore the terminal;
 *   - arch_prctl (the GS base of the guest window), and with direct
 *     execution modify_ldt (the guest's segments in the host LDT);
 *   - exit, and tgkill to itself only (abort()).
 * Nothing opens a file, creates a socket, starts a process or changes
 * identity.  Any other call raises SIGSYS (SECCOMP_RET_TRAP); the signal
 * handler (monitor/signals.c) recognises a refused call of the monitor
 * itself by its architecture (x86-64; a guest's int 0x80 under direct
 * execution is an i386 call, trapped by the filter signals.c installs) and
 * ends the process with status 70, naming the call.  Calls of other ABIs
 * (i386, x32) are trapped the same way.
 *
 * Before the filter: PR_SET_NO_NEW_PRIVS (no set-uid gain through execve,
 * which the filter refuses anyway), and every capability dropped from the
 * bounding, ambient, effective, permitted and inheritable sets, so a
 * monitor started as root keeps no privilege beyond its uid.
 *
 * The filter is the default (--seccomp=auto) wherever the host probe says
 * seccomp filters can be installed; BTVISOR_HOST_PROBE=nocompat simulates a
 * host without them.  --seccomp=off runs unconfined (debugging: strace,
 * gdb-driven calls); --seccomp=on refuses to run unconfined.  The result
 * shows in --stats (confine_seccomp, confine_no_caps) and in
 * /proc/PID/status (Seccomp: 2, NoNewPrivs: 1, CapEff: 0).
 *
 *   btvisor -kernel k.elf --stats    # confine_seccomp 1
 */
#define _GNU_SOURCE
#include "monitor/confine.h"

#include <asm/prctl.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor/vm.h"
/* After vm.h: seccomp.h pulls in <elf.h>, whose EV_NONE is a macro. */
#include <seccomp.h>

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1 /* si_code of a SIGSYS from SECCOMP_RET_TRAP (seccomp(2)) */
#endif

/* The calls every engine needs, without argument conditions. */
static const int confine_plain_calls[] = {
    SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev), SCMP_SYS(pread64),
    SCMP_SYS(pwrite64), SCMP_SYS(preadv), SCMP_SYS(pwritev), SCMP_SYS(lseek), SCMP_SYS(close),
    SCMP_SYS(fstat), SCMP_SYS(ppoll), SCMP_SYS(poll), SCMP_SYS(fsync), SCMP_SYS(fdatasync),
    SCMP_SYS(ftruncate), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(mremap),
    SCMP_SYS(madvise), SCMP_SYS(brk), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigaction), SCMP_SYS(sigaltstack), SCMP_SYS(timer_settime), SCMP_SYS(timer_gettime),
    SCMP_SYS(timer_getoverrun), SCMP_SYS(timer_delete), SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres),
    SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(gettimeofday), SCMP_SYS(getpid),
    SCMP_SYS(gettid), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(restart_syscall), SCMP_SYS(futex),
    SCMP_SYS(sched_yield), SCMP_SYS(getrandom), SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid),
    SCMP_SYS(getegid), SCMP_SYS(sysinfo), /* glibc qsort() asks for the memory size */
};

/* The terminal ioctls of the serial console (devices/uart_backend.c). */
static const unsigned long confine_ioctls[] = { TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ };

/* fcntl commands stdio and the serial backend use on open descriptors. */
static const int confine_fcntls[] = { F_GETFL, F_SETFL, F_GETFD, F_SETFD };

/* arch_prctl: the FS and GS bases only (signals.c, run.c). */
static const int confine_arch_prctls[] = { ARCH_SET_GS, ARCH_GET_GS, ARCH_SET_FS, ARCH_GET_FS };

static int confine_add_rules(scmp_filter_ctx ctx, bool direct_exec)
{
    int r = 0;
    for (size_t i = 0; i < sizeof confine_plain_calls / sizeof confine_plain_calls[0] && r == 0; i++)
        r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, confine_plain_calls[i], 0);
    for (size_t i = 0; i < sizeof confine_ioctls / sizeof confine_ioctls[0] && r == 0; i++)
        r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_EQ, confine_ioctls[i]));
    for (size_t i = 0; i < sizeof confine_fcntls / sizeof confine_fcntls[0] && r == 0; i++)
        r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
                             SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)confine_fcntls[i]));
    for (size_t i = 0; i < sizeof confine_arch_prctls / sizeof confine_arch_prctls[0] && r == 0; i++)
        r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(arch_prctl), 1,
                             SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)confine_arch_prctls[i]));
    /* stdio's fstat is newfstatat(fd, "", AT_EMPTY_PATH): no path lookups. */
    if (r == 0)
        r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1,
                             SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH));
    /* abort() signals the process itself, nobody else. */
    if (r == 0)
        r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                             SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
    if (r == 0 && direct_exec) /* monitor/direct.c: guest segments in the host LDT */
        r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(modify_ldt), 0);
    return r;
}

/* Load the allow-list; 0, or a negative errno from libseccomp. */
static int confine_load_filter(bool direct_exec)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
    if (!ctx)
        return -ENOMEM;
    /* Other ABIs (i386 int 0x80 of directly run guest code, x32) trap too. */
    int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP);
    if (r == 0)
        r = confine_add_rules(ctx, direct_exec);
    if (r == 0)
        r = seccomp_load(ctx);
    seccomp_release(ctx);
    return r;
}

/* Empty every capability set; true if the effective set is empty after. */
static bool confine_drop_capabilities(void)
{
    for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
        (void)prctl(PR_CAPBSET_DROP, cap, 0, 0, 0); /* EPERM without CAP_SETPCAP: nothing to drop */
    (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    memset(data, 0, sizeof data);
    (void)syscall(SYS_capset, &hdr, data);
    if (syscall(SYS_capget, &hdr, data) != 0)
        return false;
    for (unsigned i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
        if (data[i].effective || data[i].permitted)
            return false;
    return true;
}

/* Whether this host can install seccomp filters (the host probe, run now if
 * the engine choice did not run it). */
static bool confine_host_has_seccomp(struct vm *vm)
{
    struct host_probe *p = &vm->host;
    if (!p->compat_mode && !p->ldt && !p->seccomp && !p->overridden)
        host_probe_run(p);
    vm->stats.host_seccomp = p->seccomp;
    return p->seccomp;
}

int confine_apply(struct vm *vm, char *err, size_t errlen)
{
    enum confine_mode mode = vm->cfg.confine;
    if (mode == CONFINE_OFF)
        return 0;
    if (!confine_host_has_seccomp(vm)) {
        if (mode == CONFINE_AUTO)
            return 0; /* --stats shows confine_seccomp 0 */
        snprintf(err, errlen, "--seccomp=on: this host cannot install seccomp filters%s",
                 vm->host.overridden ? " (" HOST_PROBE_ENV "=nocompat)" : "");
        return -1;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(err, errlen, "cannot set no-new-privileges: %s", strerror(errno));
        return -1;
    }
    vm->stats.confine_no_caps = confine_drop_capabilities();
    int r = confine_load_filter(vm->direct_exec);
    if (r < 0) {
        snprintf(err, errlen, "cannot install the seccomp allow-list: %s", strerror(-r));
        return -1;
    }
    vm->stats.confine_seccomp = 1;
    return 0;
}

bool confine_is_refused_call(const siginfo_t *si)
{
    /* SYS_SECCOMP is si_code 1 for SIGSYS; the i386 calls of directly run
     * guest code are the guest's, handled by the direct engine. */
    return si->si_code == SYS_SECCOMP && si->si_arch != AUDIT_ARCH_I386;
}

static void confine_write(const char *s)
{
    ssize_t r = write(STDERR_FILENO, s, strlen(s));
    (void)r;
}

_Noreturn void confine_die_refused(const siginfo_t *si)
{
    char num[24];
    unsigned v = (unsigned)si->si_syscall, n = 0;
    char rev[24];
    do {
        rev[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (unsigned i = 0; i < n; i++)
        num[i] = rev[n - 1 - i];
    num[n] = '\0';
    confine_write("btvisor: internal error: host system call ");
    confine_write(num);
    confine_write(si->si_arch == AUDIT_ARCH_X86_64 ? "" : " (not an x86-64 call)");
    confine_write(" refused by the seccomp allow-list (monitor/confine.c); --seccomp=off runs unconfined\n");
    _exit(70);
}
