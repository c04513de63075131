/*
 * signals.c: host signals raised by translated guest code.
 *
 * A guest instruction that faults in translated code (a #PF on the guest
 * window, #DE from div, #UD, an SSE #GP, ...) raises a host signal.  The
 * handler runs on the alternate signal stack (RSP holds the guest's ESP, not
 * a host stack), finds the block through the code arena, recovers the exact
 * guest EIP and registers with the block's PC map, stores them in the vCPU
 * together with what the host CPU reported, and resumes the monitor at
 * bt_resume as if the block had exited normally with an EXIT_FAULT
 * descriptor.  The run loop then decides what the fault means to the guest
 * (monitor/run.c).  This is the single catch point for faults.
 *
 * A signal handler receives no argument, so the vCPU a thread is running
 * is kept in the thread-local `signals_running_vcpu` — the one piece of
 * state outside struct vm/vcpu, set only by vm_run().
 *
 *   signals_install(err, errlen);   // once, before running guest code
 *   signals_set_vcpu(v);            // the vCPU this thread runs
 */
#define _GNU_SOURCE
#include "monitor/signals.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <asm/ucontext.h>

#include "bt/bt.h"
#include "monitor/confine.h"
#include "monitor/hostcall.h"
#include "monitor/irq.h"
#include "monitor/vm.h"
#include "tcache/tcache.h"

extern const uint8_t bt_resume[];

static _Thread_local struct vcpu *signals_running_vcpu;

/* The monitor thread's FS base (glibc's TLS), put back by signals_entry
 * before any C code runs: guest user code may have loaded FS.  Static
 * storage on purpose — it must be readable without TLS. */
uint64_t signals_host_fsbase;
/* The host's 64-bit user code and stack selectors, to resume the monitor. */
static uint16_t signals_host_cs, signals_host_ss;

extern void signals_entry(int, siginfo_t *, void *);

void signals_set_vcpu(struct vcpu *v) { signals_running_vcpu = v; }

static void signals_write_str(const char *s)
{
    ssize_t r = write(STDERR_FILENO, s, strlen(s));
    (void)r;
}

static void signals_write_hex(uint64_t x)
{
    char buf[19] = "0x";
    for (int i = 0; i < 16; i++)
        buf[2 + i] = "0123456789abcdef"[(x >> (60 - 4 * i)) & 0xf];
    buf[18] = '\0';
    signals_write_str(buf);
}

/* A signal outside translated code is a monitor bug: say where, then stop. */
static void signals_internal_error(int signo, const ucontext_t *uc, const siginfo_t *si)
{
    signals_write_str("btvisor: internal error: signal ");
    char num[4] = { (char)('0' + signo / 10), (char)('0' + signo % 10), ' ', '\0' };
    signals_write_str(num);
    signals_write_str("at host RIP ");
    signals_write_hex((uint64_t)uc->uc_mcontext.gregs[REG_RIP]);
    signals_write_str(", address ");
    signals_write_hex((uint64_t)(uintptr_t)si->si_addr);
    signals_write_str(" (not in translated guest code)\n");
    _exit(70);
}

static const int signals_gpr_order[GPR_COUNT] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX,
                                                 REG_RSP, REG_RBP, REG_RSI, REG_RDI };

/* Record what the host CPU reported and resume the monitor at bt_resume
 * (bt/entry.S), as if translated code had exited with an EXIT_FAULT. */
static void signals_resume_monitor(struct vcpu *v, int signo, const siginfo_t *si, ucontext_t *uc)
{
    greg_t *g = uc->uc_mcontext.gregs;
    v->host_fault = (struct host_fault){ .signo = signo, .code = si->si_code,
                                         .addr = (uint64_t)(uintptr_t)si->si_addr,
                                         .trapno = (uint64_t)g[REG_TRAPNO], .err = (uint64_t)g[REG_ERR] };
    v->fault_desc = (struct exit_desc){ .kind = EXIT_FAULT };
    v->exit_desc = (uint64_t)(uintptr_t)&v->fault_desc;
    g[REG_RSP] = (greg_t)v->host_rsp;
    g[REG_RIP] = (greg_t)(uintptr_t)bt_resume;
    g[REG_RAX] = (greg_t)v->exit_desc;
    g[REG_R15] = (greg_t)(uintptr_t)v;
    g[REG_EFL] &= ~(greg_t)(EFLAGS_DF | EFLAGS_TF | EFLAGS_AC);
    STAT_INC(v->vm, ev_host_signals);
}

static void signals_from_translated(struct vcpu *v, int signo, siginfo_t *si, ucontext_t *uc)
{
    greg_t *g = uc->uc_mcontext.gregs;
    uintptr_t pc = (uintptr_t)g[REG_RIP];
    struct tblock *tb = tc_find_block(v->vm->tc, pc);
    if (!tb)
        signals_internal_error(signo, uc, si);
    uint32_t regs[GPR_COUNT];
    for (int i = 0; i < GPR_COUNT; i++)
        regs[i] = (uint32_t)g[signals_gpr_order[i]];
    v->eip = bt_recover_state(v, tb, pc, regs);
    memcpy(v->gpr, regs, sizeof regs);
    v->eflags = (v->eflags & ~EFLAGS_HOST_LIVE) | ((uint32_t)g[REG_EFL] & EFLAGS_HOST_LIVE);
    signals_resume_monitor(v, signo, si, uc);
}

/* Guest user code running directly was stopped: its state is the
 * interrupted context itself (compatibility mode: RIP is EIP). */
static void signals_from_direct(struct vcpu *v, int signo, siginfo_t *si, ucontext_t *uc, const uint16_t *sels)
{
    greg_t *g = uc->uc_mcontext.gregs;
    for (int i = 0; i < GPR_COUNT; i++)
        v->gpr[i] = (uint32_t)g[signals_gpr_order[i]];
    v->eip = (uint32_t)g[REG_RIP];
    uint32_t live = EFLAGS_HOST_LIVE | EFLAGS_TF | EFLAGS_AC;
    v->eflags = (v->eflags & ~live) | ((uint32_t)g[REG_EFL] & live);
    uint64_t csgsfs = (uint64_t)g[REG_CSGSFS];
    v->direct_sels[SREG_CS] = (uint16_t)csgsfs;
    v->direct_sels[SREG_SS] = (uint16_t)(csgsfs >> 48);
    v->direct_sels[SREG_DS] = sels[0];
    v->direct_sels[SREG_ES] = sels[1];
    v->direct_sels[SREG_FS] = sels[2];
    v->direct_sels[SREG_GS] = sels[3];
    if (signo == SIGSYS) /* seccomp: si_addr is the address after the int 0x80 / sysenter */
        v->host_fault.addr = (uint64_t)(uintptr_t)si->si_call_addr;
    /* Back to 64-bit mode: the monitor's CS/SS, null data segments, and
     * the GS base translated code uses. */
    uc->uc_flags |= UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
    g[REG_CSGSFS] = (greg_t)((uint64_t)signals_host_cs | ((uint64_t)signals_host_ss << 48));
    unsigned null = 0;
    __asm__ volatile("mov %0, %%ds\n\tmov %0, %%es\n\tmov %0, %%gs" : : "r"(null));
    __asm__ volatile("wrgsbase %0" : : "r"((uint64_t)GMEM_WINDOW_BASE));
    signals_resume_monitor(v, signo, si, uc);
}

void signals_handle(int signo, siginfo_t *si, void *ucv, const uint16_t *sels);

void signals_handle(int signo, siginfo_t *si, void *ucv, const uint16_t *sels)
{
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;
    struct vcpu *v = signals_running_vcpu;
    uint16_t cs = (uint16_t)g[REG_CSGSFS];
    host_signal_taken(v ? &v->vm->stats : NULL); /* the rt_sigreturn that ends this handler */
    if (signo == SIGSYS && confine_is_refused_call(si))
        confine_die_refused(si); /* the monitor itself made a forbidden call */
    bool stop = signo == SIGTERM || signo == SIGINT || signo == SIGHUP;
    if (stop && v)
        v->host_stop = signo; /* the run loop ends the run cleanly (terminal restored, statistics) */
    if ((signo == SIGALRM || stop) && v)
        v->timer_pending = 1; /* the run loop looks at it at the next boundary */
    if (v && v->in_direct && cs != signals_host_cs) {
        signals_from_direct(v, signo, si, uc, sels);
        return;
    }
    if (stop)
        signo = SIGALRM; /* from here on handled like the timer: leave guest code soon */
    if (v && v->vm->tc && tc_in_arena(v->vm->tc, (uintptr_t)g[REG_RIP])) {
        if (signo == SIGALRM) {
            /* Make translated code return to the run loop soon: the current
             * block's jumps to other blocks and every inline indirect-table
             * hit go through the dispatcher again. */
            struct tblock *tb = tc_find_block(v->vm->tc, (uintptr_t)g[REG_RIP]);
            if (tb)
                tc_detach_block(v->vm->tc, tb);
            else
                irq_retry_soon(v->vm); /* a stub: the block it enters is not known */
            tc_ibl_suspend(v->vm->tc, v);
            return;
        }
        signals_from_translated(v, signo, si, uc);
        return;
    }
    if (signo == SIGALRM) {
        /* In the monitor: the run loop looks at timer_pending at its next
         * boundary, unless it already did and is entering a block (a lost
         * wake-up: a guest spinning on a flag the interrupt sets never
         * leaves it), so the timer comes again.  A halted vCPU's ppoll
         * returns on the signal itself. */
        if (v && !v->halted)
            irq_retry_soon(v->vm);
        return;
    }
    signals_internal_error(signo, uc, si);
}

/* Guest user code running directly executes int 0x80 and sysenter in
 * compatibility mode, where the host kernel would take them as 32-bit system
 * calls of the monitor process.  A seccomp filter turns every syscall whose
 * architecture is i386 into SIGSYS (SECCOMP_RET_TRAP) instead. */
static int signals_trap_compat_syscalls(char *err, size_t errlen)
{
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { .len = sizeof filter / sizeof filter[0], .filter = filter };
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == SECCOMP_MODE_FILTER)
        return 0; /* installed by an earlier VM of this process */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        snprintf(err, errlen, "cannot install the seccomp filter for guest system calls: %s", strerror(errno));
        return -1;
    }
    return signals_trap_compat_syscalls(err, errlen);
}

int signals_install(char *err, size_t errlen)
{
    __asm__ volatile("rdfsbase %0" : "=r"(signals_host_fsbase));
    __asm__ volatile("mov %%cs, %0" : "=r"(signals_host_cs));
    __asm__ volatile("mov %%ss, %0" : "=r"(signals_host_ss));
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_size = 256 * 1024;
    ss.ss_sp = malloc(ss.ss_size);
    if (!ss.ss_sp || sigaltstack(&ss, NULL) != 0) {
        snprintf(err, errlen, "cannot set up the signal stack");
        free(ss.ss_sp);
        return -1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = signals_entry;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    /* A closed pipe on the serial output is an error the UART reports, not
     * a reason to die before the terminal is restored. */
    signal(SIGPIPE, SIG_IGN);
    static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGALRM, SIGTERM, SIGINT, SIGHUP };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (sigaction(sigs[i], &sa, NULL) != 0) {
            snprintf(err, errlen, "cannot install the handler for signal %d", sigs[i]);
            return -1;
        }
    return signals_trap_compat_syscalls(err, errlen);
}
