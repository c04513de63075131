/*
 * irq.c: external interrupts.
 *
 * Devices compute their state from the host's monotonic clock when they are
 * asked (the PIT counts from elapsed time, the RTC's periodic interrupt
 * too), so the only thing that must happen asynchronously is noticing that
 * an interrupt is due.  One POSIX timer (SIGALRM to this thread) is armed
 * for the earliest next event of the PIT and the RTC;
 * its signal stops the guest soon — in user code at once, in translated
 * code at the end of the current block (signals.c detaches the block's
 * exits) — and the run loop then calls irq_update() and irq_deliver().
 * A signal that lands outside any block (the monitor, a helper, a stub)
 * cannot detach the block about to run, so it re-arms the timer for 1 ms
 * later (irq_retry_soon) instead of being lost.
 *
 * Interrupts are taken only at block boundaries, with IF set and outside the
 * one-instruction shadow of sti and mov ss (SDM Vol. 3A §6.8.3).  Translated
 * sti and popf look at vcpu->irq_pending and leave the block when an
 * interrupt waits, so enabling interrupts takes one at once.  A vCPU in hlt
 * sleeps in ppoll() until the next device event or terminal input: an idle
 * guest costs no host CPU.
 *
 *   irq_update(vm); irq_deliver(v);   // at every run-loop boundary that needs it
 */
#define _GNU_SOURCE
#include "monitor/irq.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "devices/intr.h"
#include "devices/lapic.h"
#include "devices/pit.h"
#include "devices/rtc.h"
#include "monitor/cpu.h"
#include "monitor/hostcall.h"
#include "monitor/vm.h"

int irq_init(struct vm *vm, char *err, size_t errlen)
{
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGALRM;
    if (timer_create(CLOCK_MONOTONIC, &sev, &vm->irq.timer) != 0) {
        snprintf(err, errlen, "cannot create the host timer: %s", strerror(errno));
        return -1;
    }
    vm->irq.timer_valid = true;
    vm->irq.armed_ns = UINT64_MAX;
    return 0;
}

void irq_fini(struct vm *vm)
{
    if (vm->irq.timer_valid)
        host_timer_delete(&vm->stats, vm->irq.timer);
    vm->irq.timer_valid = false;
}

/* Arm the host timer for deadline_ns (CLOCK_MONOTONIC), unless it already is. */
static void irq_arm(struct vm *vm, uint64_t deadline_ns)
{
    if (!vm->irq.timer_valid || deadline_ns == vm->irq.armed_ns)
        return;
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    if (deadline_ns != UINT64_MAX) {
        its.it_value.tv_sec = (time_t)(deadline_ns / 1000000000u);
        its.it_value.tv_nsec = (long)(deadline_ns % 1000000000u);
        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
            its.it_value.tv_nsec = 1;
    }
    host_timer_settime(&vm->stats, vm->irq.timer, TIMER_ABSTIME, &its); /* all zero: disarm */
    vm->irq.armed_ns = deadline_ns;
}

void irq_retry_soon(struct vm *vm)
{
    if (!vm->irq.timer_valid)
        return;
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value.tv_nsec = 1000000; /* 1 ms from now (relative) */
    host_timer_settime(&vm->stats, vm->irq.timer, 0, &its); /* async-signal-safe */
    vm->irq.armed_ns = 0; /* "already fired": the next irq_update re-arms for the real deadline */
}

void irq_update(struct vm *vm)
{
    uint64_t now = vm->board.clock_ns(vm);
    vm->cpu.timer_pending = 0;
    vm->irq.armed_ns = vm->irq.armed_ns <= now ? UINT64_MAX : vm->irq.armed_ns; /* it fired */
    uint64_t next = UINT64_MAX;
    if (vm->board.pit) {
        pit_advance(vm, now);
        next = pit_next_event_ns(vm, now);
    }
    if (vm->board.rtc) {
        rtc_advance(vm, now);
        uint64_t rtc = rtc_next_event_ns(vm, now);
        next = rtc < next ? rtc : next;
    }
    if (vm->board.lapic) {
        lapic_timer_advance(vm, now);
        uint64_t apic = lapic_timer_next_event_ns(vm, now);
        next = apic < next ? apic : next;
    }
    irq_arm(vm, next);
    intr_update_pending(vm);
}

/* An NMI is taken whatever EFLAGS.IF says, and blocks further NMIs until
 * the next iret (SDM Vol. 3A §6.7.1): one that arrives meanwhile waits,
 * and a second one meanwhile is lost (one NMI latch). */
static bool irq_deliver_nmi(struct vcpu *v)
{
    v->vm->board.nmi_pending = false;
    v->nmi_blocked = true;
    intr_update_pending(v->vm);
    v->halted = false;
    STAT_INC(v->vm, ev_interrupts);
    struct event ev = { .kind = EV_EXTERNAL, .vector = VEC_NMI };
    cpu_deliver_event(v, &ev);
    return true;
}

bool irq_deliver(struct vcpu *v)
{
    if (v->interrupt_shadow) {
        v->interrupt_shadow = 0; /* one boundary later */
        return false;
    }
    if (intr_nmi_deliverable(v->vm))
        return irq_deliver_nmi(v);
    if (!v->if_mask || !intr_has_interrupt(v->vm))
        return false;
    int vector = intr_acknowledge(v->vm);
    intr_update_pending(v->vm);
    if (vector < 0)
        return false;
    v->halted = false;
    STAT_INC(v->vm, ev_interrupts);
    struct event ev = { .kind = EV_EXTERNAL, .vector = (uint8_t)vector };
    cpu_deliver_event(v, &ev);
    return true;
}

void irq_wait_halted(struct vcpu *v)
{
    struct vm *vm = v->vm;
    if (intr_nmi_deliverable(vm))
        return;
    if (!v->if_mask) {
        vm_request_exit(vm, VMEXIT_HALTED_FOREVER, EXIT_STATUS_OK,
                        "guest halted with interrupts disabled at EIP %#x; stopping", v->eip);
        return;
    }
    irq_update(vm);
    if (intr_has_interrupt(vm) || intr_nmi_deliverable(vm))
        return;
    uint64_t now = vm->board.clock_ns(vm);
    /* Only what can reach the CPU can wake it: the PIT on IRQ 0, the RTC on
     * IRQ 8, the local APIC's timer, terminal input on COM1's IRQ 4. */
    uint64_t next = vm->board.pit && intr_isa_irq_can_wake(vm, 0) ? pit_next_event_ns(vm, now) : UINT64_MAX;
    if (vm->board.rtc && intr_isa_irq_can_wake(vm, 8)) {
        uint64_t rtc = rtc_next_event_ns(vm, now);
        next = rtc < next ? rtc : next;
    }
    uint64_t apic = lapic_timer_next_event_ns(vm, now); /* a masked timer wakes nobody, but is rare */
    next = apic < next ? apic : next;
    bool input = vm->cfg.com1.kind == SERIAL_STDIO && intr_isa_irq_can_wake(vm, 4);
    if (next == UINT64_MAX && !input) {
        vm_request_exit(vm, VMEXIT_HALTED_FOREVER, EXIT_STATUS_OK,
                        "guest halted at EIP %#x with nothing to wake it; stopping", v->eip);
        return;
    }
    struct timespec ts, *tsp = NULL;
    if (next != UINT64_MAX) {
        uint64_t wait = next > now ? next - now : 0;
        ts.tv_sec = (time_t)(wait / 1000000000u);
        ts.tv_nsec = (long)(wait % 1000000000u);
        tsp = &ts;
    }
    struct pollfd pfd = { .fd = 0, .events = POLLIN };
    STAT_INC(vm, ev_halt_waits);
    host_ppoll(&vm->stats, &pfd, input ? 1 : 0, tsp);
    board_poll(vm); /* terminal input may raise the UART's interrupt */
    irq_update(vm);
}
