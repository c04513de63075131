/*
 * host_probe.c: try, in forked children, the host facilities direct
 * execution needs (see host_probe.h).  Each check is a child that does the
 * one thing and exits 0; a fault (SIGSEGV from #GP) or any other outcome
 * means no.  The three children together take about a millisecond.
 *
 * Compatibility mode: the child builds, in a page below 4 GiB, a 32-bit
 * `lret` and a 64-bit `exit(0)`, then far-returns (lretq) to the 32-bit
 * user code selector 0x23 (__USER32_CS on x86-64 Linux); the 32-bit lret
 * comes back through 0x33 (__USER_CS) to the exit.  Compatibility-mode
 * code runs with 32-bit ESP, so the stack is in the same low page.  A
 * host without IA-32 emulation answers the first far return with #GP.
 */
#define _GNU_SOURCE
#include "monitor/host_probe.h"

#include <asm/ldt.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROBE_USER32_CS 0x23u
#define PROBE_USER64_CS 0x33u

static void probe_child_compat(void)
{
    uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                         -1, 0);
    if (page == MAP_FAILED)
        _exit(2);
    uint32_t base = (uint32_t)(uintptr_t)page;
    page[0] = 0xcb; /* 32-bit code: lret (pops EIP, then CS) */
    static const uint8_t exit0[] = { 0x31, 0xff,                   /* xor edi, edi */
                                     0xb8, 0x3c, 0, 0, 0,          /* mov eax, SYS_exit */
                                     0x0f, 0x05 };                 /* syscall */
    memcpy(page + 0x10, exit0, sizeof exit0);
    /* The stack at page + 0xf00: lretq's RIP and CS, then the 32-bit lret's EIP and CS. */
    uint64_t *q = (uint64_t *)(page + 0xf00);
    q[0] = base;
    q[1] = PROBE_USER32_CS;
    uint32_t *d = (uint32_t *)(page + 0xf10);
    d[0] = base + 0x10;
    d[1] = PROBE_USER64_CS;
    __asm__ volatile("mov %0, %%rsp\n\tlretq" : : "r"(page + 0xf00) : "memory");
    _exit(3); /* not reached */
}

static void probe_child_ldt(void)
{
    struct user_desc desc = { .entry_number = 0, .base_addr = 0, .limit = 0xfffff, .seg_32bit = 1,
                              .contents = 0, .read_exec_only = 0, .limit_in_pages = 1, .seg_not_present = 0,
                              .useable = 1 };
    if (syscall(SYS_modify_ldt, 1, &desc, sizeof desc) != 0)
        _exit(2);
    /* GS, not FS: FS holds the C library's thread pointer.  Exit with a
     * raw system call: nothing may use the segment after the load. */
    uint16_t sel = 0x7; /* LDT entry 0, RPL 3 */
    __asm__ volatile("mov %0, %%gs\n\t"
                     "xor %%edi, %%edi\n\t"
                     "mov $231, %%eax\n\t" /* SYS_exit_group */
                     "syscall"
                     : : "r"(sel) : "rax", "rdi", "rcx", "r11", "memory");
    _exit(3); /* not reached */
}

static void probe_child_seccomp(void)
{
    /* A NULL filter is refused with EFAULT where filters exist, EINVAL where not. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        _exit(2);
    int r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL);
    _exit(r != 0 && errno == EFAULT ? 0 : 1);
}

/* Run fn in a child; true if it exited 0. */
static bool probe_in_child(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        fn();
        _exit(4);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void host_probe_run(struct host_probe *p)
{
    *p = (struct host_probe){ 0 };
    const char *env = getenv(HOST_PROBE_ENV);
    if (env && strcmp(env, "nocompat") == 0) {
        p->overridden = true;
        return;
    }
    p->compat_mode = probe_in_child(probe_child_compat);
    p->ldt = probe_in_child(probe_child_ldt);
    p->seccomp = probe_in_child(probe_child_seccomp);
}

bool host_probe_direct_ok(const struct host_probe *p) { return p->compat_mode && p->ldt && p->seccomp; }

const char *host_probe_missing(const struct host_probe *p)
{
    static const char *const names[8] = {
        "", "seccomp filters", "LDT selectors", "LDT selectors, seccomp filters", "compatibility-mode code",
        "compatibility-mode code, seccomp filters", "compatibility-mode code, LDT selectors",
        "compatibility-mode code, LDT selectors, seccomp filters",
    };
    return names[(!p->compat_mode) << 2 | (!p->ldt) << 1 | (!p->seccomp)];
}

void host_probe_describe(const struct host_probe *p, char *buf, unsigned len)
{
    snprintf(buf, len, "host: compatibility-mode code %s, LDT selectors %s, seccomp %s%s; user code: %s",
             p->compat_mode ? "yes" : "no", p->ldt ? "yes" : "no", p->seccomp ? "yes" : "no",
             p->overridden ? " (" HOST_PROBE_ENV "=nocompat)" : "",
             host_probe_direct_ok(p) ? "runs directly (--direct-exec=auto)" : "translated (in-process engine)");
}

bool host_probe_decide(enum direct_exec_mode mode, const struct host_probe *p, bool *refused)
{
    *refused = false;
    switch (mode) {
    case DIRECT_EXEC_OFF:
        return false;
    case DIRECT_EXEC_ON:
        *refused = !host_probe_direct_ok(p);
        return !*refused;
    case DIRECT_EXEC_AUTO:
        break;
    }
    return host_probe_direct_ok(p);
}
