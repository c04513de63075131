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

#include "bt/bt.h"
#include "monitor/vm.h"
#include "tcache/tcache.h"

extern const uint8_t bt_resume[];

static _Thread_local struct vcpu *signals_running_vcpu;

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

static void signals_handle_guest_fault(int signo, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;
    struct vcpu *v = signals_running_vcpu;
    uintptr_t pc = (uintptr_t)g[REG_RIP];
    if (!v || !v->vm->tc || !tc_in_arena(v->vm->tc, pc))
        signals_internal_error(signo, uc, si);
    struct tblock *tb = tc_find_block(v->vm->tc, pc);
    if (!tb)
        signals_internal_error(signo, uc, si);
    uint32_t regs[GPR_COUNT];
    for (int i = 0; i < GPR_COUNT; i++)
        regs[i] = (uint32_t)g[signals_gpr_order[i]];
    v->eip = bt_recover_state(v, tb, pc, regs);
    memcpy(v->gpr, regs, sizeof regs);
    v->eflags = (v->eflags & ~EFLAGS_HOST_LIVE) | ((uint32_t)g[REG_EFL] & EFLAGS_HOST_LIVE);
    v->host_fault = (struct host_fault){ .signo = signo, .code = si->si_code,
                                         .addr = (uint64_t)(uintptr_t)si->si_addr,
                                         .trapno = (uint64_t)g[REG_TRAPNO], .err = (uint64_t)g[REG_ERR] };
    v->fault_desc = (struct exit_desc){ .kind = EXIT_FAULT };
    v->exit_desc = (uint64_t)(uintptr_t)&v->fault_desc;
    /* Resume the monitor where bt_enter's frame unwinds, DF clear (ABI). */
    g[REG_RSP] = (greg_t)v->host_rsp;
    g[REG_RIP] = (greg_t)(uintptr_t)bt_resume;
    g[REG_RAX] = (greg_t)v->exit_desc;
    g[REG_R15] = (greg_t)(uintptr_t)v;
    g[REG_EFL] &= ~(greg_t)EFLAGS_DF;
    STAT_INC(v->vm, ev_host_signals);
}

int signals_install(char *err, size_t errlen)
{
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
    sa.sa_sigaction = signals_handle_guest_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    /* A closed pipe on the serial output is an error the UART reports, not
     * a reason to die before the terminal is restored. */
    signal(SIGPIPE, SIG_IGN);
    static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (sigaction(sigs[i], &sa, NULL) != 0) {
            snprintf(err, errlen, "cannot install the handler for signal %d", sigs[i]);
            return -1;
        }
    return 0;
}
