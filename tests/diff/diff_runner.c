/*
 * diff_runner.c: btv-diffrun, the native side of the differential tester.
 *
 * A 32-bit Linux process (built with gcc -m32) that runs generated guest
 * instruction sequences directly on the CPU, in 32-bit user mode, so that
 * btv-difftest can compare what the real CPU does with what btvisor's
 * translator does.  It maps the two regions of the shared layout
 * (diff_layout.h) at their fixed addresses, then confines itself with a
 * seccomp allow-list (read, write, sigreturn, exit) and serves cases read
 * from stdin, answering each on stdout, until stdin ends.
 *
 * One case: fill the data region with the case's seeded pattern, copy the
 * code (the rest of the code page is int3), load EFLAGS and the eight
 * registers and jump to DIFF_CODE_BASE.  The sequence ends with hlt, which
 * is privileged: in user mode it raises #GP, delivered as SIGSEGV at the
 * hlt's address, and that counts as normal completion (reported with EIP
 * after the hlt, as ring 0 would leave it).  Any other signal is an
 * exception; the x86 vector and error code come from the signal frame's
 * trapno and err (the kernel copies them from the hardware exception).
 * The handler runs on an alternate stack (the case's ESP points into the
 * data region, which must not receive a signal frame), records the state
 * and redirects the interrupted context to diff_runner_resume.
 *
 * The reply lists every data dword that differs from the pattern, so the
 * pipe carries only what the case changed; those dwords are then restored.
 *
 *   printf '...' | btv-diffrun      (normally spawned by btv-difftest)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "diff_layout.h"

#ifndef __i386__
#error "btv-diffrun must be built for i386 (-m32)"
#endif

/* What diff_runner_entry.S reads and writes: keep the offsets in sync. */
struct runner_regs {
    uint32_t gpr[8];    /* offset 0: EAX..EDI loaded before the jump */
    uint32_t eflags;    /* offset 32: loaded with popfl */
    uint32_t saved_esp; /* offset 36: the runner's ESP, for the way back */
};
_Static_assert(offsetof(struct runner_regs, eflags) == 32, "entry.S layout");
_Static_assert(offsetof(struct runner_regs, saved_esp) == 36, "entry.S layout");

struct runner {
    struct runner_regs regs;      /* entry state of the current case */
    struct diff_wire_result out;  /* filled by the signal handler */
    uint32_t hlt_eip;             /* address of the case's final hlt */
    uint32_t *data;               /* the data region, at DIFF_DATA_BASE */
    uint8_t *code;                /* the code page, at DIFF_CODE_BASE */
    uint32_t pristine_seed;       /* seed `pristine` holds the pattern of */
    uint32_t pristine[DIFF_DATA_SIZE / 4];            /* that pattern */
    struct diff_wire_change changes[DIFF_DATA_SIZE / 4]; /* reply buffer */
};

void diff_runner_enter(struct runner_regs *regs);
void diff_runner_resume(void);

/* A signal handler gets no user pointer, so the one runner of this process
 * is reachable from here while a case runs (the only static state). */
static struct runner *runner_active;

static void runner_die(const char *msg)
{
    ssize_t n = write(2, msg, strlen(msg));
    (void)n;
    _exit(3);
}

static void runner_on_signal(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;
    struct runner *r = runner_active;
    struct diff_wire_result *o = &r->out;
    static const int map[8] = { REG_EAX, REG_ECX, REG_EDX, REG_EBX,
                                REG_ESP, REG_EBP, REG_ESI, REG_EDI };
    for (int i = 0; i < 8; i++)
        o->gpr[i] = (uint32_t)g[map[i]];
    o->eip = (uint32_t)g[REG_EIP];
    o->eflags = (uint32_t)g[REG_EFL];
    o->vector = (uint32_t)g[REG_TRAPNO];
    o->error_code = (uint32_t)g[REG_ERR];
    o->cr2 = (uint32_t)(uintptr_t)si->si_addr;
    /* hlt at CPL 3 is #GP(0) (SDM Vol. 2A "HLT"): the planned end. */
    if (sig == SIGSEGV && o->vector == 13 && o->eip == r->hlt_eip) {
        o->vector = DIFF_END_HALT;
        o->error_code = 0;
        o->eip += 1;
    }
    /* Vectors without an error code: the frame's err field is stale. */
    if (!(o->vector == 8 || (o->vector >= 10 && o->vector <= 14) || o->vector == 17))
        o->error_code = 0;
    if (o->vector != 14)
        o->cr2 = 0;
    g[REG_EIP] = (greg_t)(uintptr_t)diff_runner_resume;
    g[REG_ESP] = (greg_t)r->regs.saved_esp;
    g[REG_EFL] &= ~(greg_t)(0x400 | 0x100 | 0x40000); /* DF, TF, AC */
}

static void runner_install_handlers(void)
{
    static uint8_t altstack[64 << 10];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
    if (sigaltstack(&ss, NULL) < 0)
        runner_die("btv-diffrun: sigaltstack failed\n");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = runner_on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    const int sigs[] = { SIGSEGV, SIGILL, SIGFPE, SIGTRAP, SIGBUS };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (sigaction(sigs[i], &sa, NULL) < 0)
            runner_die("btv-diffrun: sigaction failed\n");
}

static void *runner_map(uint32_t addr, uint32_t size, int prot)
{
    void *p = mmap((void *)(uintptr_t)addr, size, prot,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != (void *)(uintptr_t)addr)
        runner_die("btv-diffrun: cannot map the case regions at their fixed addresses\n");
    return p;
}

/* From here on the process can only read its pipe, write its answers,
 * return from signal handlers and exit: whatever a generated sequence
 * does, it cannot reach the rest of the system. */
static void runner_confine(void)
{
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_read, 6, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_write, 5, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigreturn, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sigreturn, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { .len = sizeof filter / sizeof filter[0], .filter = filter };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
        runner_die("btv-diffrun: cannot install the seccomp filter\n");
}

/* Read exactly len bytes; 0 at a clean end of input, -1 on a short read. */
static int runner_read(void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(0, (uint8_t *)buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return got == 0 ? 0 : -1;
        got += (size_t)n;
    }
    return 1;
}

static void runner_write(const void *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(1, (const uint8_t *)buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(0); /* the driver went away */
        done += (size_t)n;
    }
}

/* Collect every dword the case changed and put the pattern back. */
static uint32_t runner_collect_changes(struct runner *r)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < DIFF_DATA_SIZE / 4; i++) {
        if (r->data[i] != r->pristine[i]) {
            r->changes[n++] = (struct diff_wire_change){ .offset = i * 4, .value = r->data[i] };
            r->data[i] = r->pristine[i];
        }
    }
    return n;
}

static void runner_run_case(struct runner *r, const struct diff_wire_case *c, const uint8_t *code)
{
    if (c->data_seed != r->pristine_seed) {
        diff_pattern_fill(r->pristine, c->data_seed);
        memcpy(r->data, r->pristine, DIFF_DATA_SIZE);
        r->pristine_seed = c->data_seed;
    }
    memset(r->code, 0xcc, DIFF_CODE_SIZE);
    memcpy(r->code, code, c->code_len);
    r->hlt_eip = DIFF_CODE_BASE + c->hlt_off;
    memcpy(r->regs.gpr, c->gpr, sizeof r->regs.gpr);
    r->regs.eflags = (c->eflags & DIFF_EFLAGS_CMP) | 0x202;
    memset(&r->out, 0, sizeof r->out);
    diff_runner_enter(&r->regs);
    r->out.magic = DIFF_WIRE_MAGIC_RESULT;
    r->out.n_changes = runner_collect_changes(r);
    runner_write(&r->out, sizeof r->out);
    runner_write(r->changes, r->out.n_changes * sizeof r->changes[0]);
}

int main(void)
{
    static struct runner r;
    static uint8_t code[DIFF_CODE_SIZE];
    r.data = runner_map(DIFF_DATA_BASE, DIFF_DATA_SIZE, PROT_READ | PROT_WRITE);
    r.code = runner_map(DIFF_CODE_BASE, DIFF_CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC);
    r.pristine_seed = 0;
    diff_pattern_fill(r.pristine, 0);
    memcpy(r.data, r.pristine, DIFF_DATA_SIZE);
    runner_active = &r;
    runner_install_handlers();
    signal(SIGPIPE, SIG_DFL);
    runner_confine();
    for (;;) {
        struct diff_wire_case c;
        int got = runner_read(&c, sizeof c);
        if (got == 0)
            _exit(0);
        if (got < 0 || c.magic != DIFF_WIRE_MAGIC_CASE || c.code_len > DIFF_CODE_SIZE)
            runner_die("btv-diffrun: bad case on stdin\n");
        if (runner_read(code, c.code_len) != 1)
            runner_die("btv-diffrun: truncated case on stdin\n");
        runner_run_case(&r, &c, code);
    }
}
