/*
 * lapic_timer.c: the local APIC timer in its three modes (SDM Vol. 3A
 * §10.5.4): one-shot, periodic and TSC-deadline.
 *
 * Like the PIT, the timer is not ticked.  In one-shot and periodic mode
 * its input clock is the 1 GHz "bus" (LAPIC_BUS_HZ, one count per
 * nanosecond at divide 1, the rate QEMU uses), divided by the divide
 * configuration; the current count is computed from the host time the
 * count started, and the next expiry is a host time that monitor/irq.c
 * arms its host timer for.  lapic_timer_advance() raises the LVT timer
 * vector for every expiry due (periodic expiries that the host slept
 * through are coalesced into one interrupt, as a late interrupt on real
 * hardware would be).  In TSC-deadline mode the guest writes an absolute
 * guest TSC value to IA32_TSC_DEADLINE (§10.5.4.1); the interrupt comes
 * when the TSC passes it and the MSR clears itself.  Guest TSC = host TSC +
 * the vCPU's offset, and the host TSC's rate is calibrated against
 * CLOCK_MONOTONIC the first time a deadline is armed (2 ms).
 *
 * Mode changes: between one-shot and periodic the count continues from
 * where it is; into or out of TSC-deadline mode the timer is disarmed
 * (§10.5.4.1: "the timer is disarmed ... IA32_TSC_DEADLINE is cleared").
 * An expired one-shot timer stays at 0 until the initial count is written.
 *
 *   lapic_timer_write_dcr(a, 0xb);          // divide by 1
 *   lapic_timer_write_lvt(a, (1u << 17) | 0x40);  // periodic, vector 0x40
 *   lapic_timer_write_initial(a, 1000000);  // every millisecond
 */
#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

#include "devices/lapic.h"
#include "monitor/hostcall.h"
#include "monitor/vm.h"

static uint64_t lapic_now(const struct lapic *a)
{
    return a->vm->board.clock_ns(a->vm);
}

/* Divide configuration bits 3, 1:0 -> divisor 2, 4, ... 128, 1 (§10.5.4, Figure 10-10). */
static uint64_t lapic_timer_divisor(const struct lapic *a)
{
    unsigned v = ((a->timer_dcr & 8) >> 1) | (a->timer_dcr & 3);
    return 1ull << ((v + 1) & 7);
}

static unsigned lapic_timer_mode(const struct lapic *a)
{
    return LAPIC_TIMER_MODE(a->lvt[LVT_TIMER]);
}

static bool lapic_timer_counting(const struct lapic *a)
{
    return a->timer_next_ns != UINT64_MAX && lapic_timer_mode(a) != LAPIC_TIMER_TSC_DEADLINE;
}

static uint64_t lapic_guest_tsc(const struct lapic *a)
{
    return __rdtsc() + a->vm->cpu.tsc_offset;
}

/* The count as of `now`, from the ticks elapsed since the start. */
static uint32_t lapic_timer_count_at(const struct lapic *a, uint64_t now)
{
    if (!lapic_timer_counting(a) || a->timer_initial == 0)
        return 0;
    uint64_t ticks = (now - a->timer_start_ns) / lapic_timer_divisor(a);
    if (lapic_timer_mode(a) == LAPIC_TIMER_PERIODIC)
        return a->timer_initial - (uint32_t)(ticks % a->timer_initial);
    return ticks >= a->timer_initial ? 0 : a->timer_initial - (uint32_t)ticks;
}

/* Restart the count so that it reads `count` at `now` and set the next expiry. */
static void lapic_timer_rebase(struct lapic *a, uint64_t now, uint32_t count)
{
    uint64_t div = lapic_timer_divisor(a);
    if (a->timer_initial == 0 || count == 0) {
        a->timer_next_ns = UINT64_MAX;
        return;
    }
    a->timer_start_ns = now - (uint64_t)(a->timer_initial - count) * div;
    a->timer_next_ns = now + (uint64_t)count * div;
}

static void lapic_timer_fire(struct lapic *a)
{
    a->timer_fires++;
    uint32_t lvt = a->lvt[LVT_TIMER];
    if (!(lvt & LAPIC_LVT_MASKED))
        lapic_accept(a->vm, (uint8_t)lvt, false);
}

void lapic_timer_advance(struct vm *vm, uint64_t now)
{
    struct lapic *a = vm->board.lapic;
    if (!a)
        return;
    if (lapic_timer_mode(a) == LAPIC_TIMER_TSC_DEADLINE) {
        if (a->tsc_deadline && lapic_guest_tsc(a) >= a->tsc_deadline) {
            a->tsc_deadline = 0; /* §10.5.4.1: the MSR reads 0 once the timer fired */
            lapic_timer_fire(a);
        }
        return;
    }
    if (a->timer_next_ns > now)
        return;
    lapic_timer_fire(a);
    if (lapic_timer_mode(a) != LAPIC_TIMER_PERIODIC) {
        a->timer_next_ns = UINT64_MAX; /* one-shot: stays at 0 */
        return;
    }
    uint64_t period = (uint64_t)a->timer_initial * lapic_timer_divisor(a);
    uint64_t missed = (now - a->timer_next_ns) / period;
    a->timer_next_ns += (missed + 1) * period;
}

/* Host TSC ticks per second, measured once against CLOCK_MONOTONIC.  Both
 * clocks run in real time, so the host descheduling us in between does not
 * bias the ratio. */
static uint64_t lapic_tsc_hz(struct lapic *a)
{
    if (a->tsc_hz)
        return a->tsc_hz;
    struct stats *s = &a->vm->stats;
    uint64_t t0 = __rdtsc(), n0 = host_clock_ns(s, CLOCK_MONOTONIC), n1;
    do {
        n1 = host_clock_ns(s, CLOCK_MONOTONIC);
    } while (n1 - n0 < 2000000u);
    uint64_t t1 = __rdtsc();
    a->tsc_hz = (uint64_t)((double)(t1 - t0) * 1e9 / (double)(n1 - n0));
    if (a->tsc_hz == 0)
        a->tsc_hz = 1000000000u;
    return a->tsc_hz;
}

uint64_t lapic_timer_next_event_ns(struct vm *vm, uint64_t now)
{
    struct lapic *a = vm->board.lapic;
    if (!a || !lapic_hw_enabled(vm))
        return UINT64_MAX;
    if (lapic_timer_mode(a) != LAPIC_TIMER_TSC_DEADLINE)
        return a->timer_next_ns;
    if (!a->tsc_deadline)
        return UINT64_MAX;
    uint64_t tsc = lapic_guest_tsc(a);
    if (tsc >= a->tsc_deadline)
        return now;
    /* Converted once per deadline, not at every call: a conversion from
     * "now" differs by a few ns each time, and every different answer
     * would re-arm the host timer (a host system call, monitor/irq.c).
     * Rounded up by 1 us; should the estimate still come before the TSC
     * gets there, it is converted again from the short rest. */
    uint64_t host_deadline = a->tsc_deadline - a->vm->cpu.tsc_offset;
    if (a->deadline_host_tsc != host_deadline || a->tsc_deadline_ns <= now) {
        double wait_ns = (double)(a->tsc_deadline - tsc) * 1e9 / (double)lapic_tsc_hz(a);
        a->deadline_host_tsc = host_deadline;
        a->tsc_deadline_ns = wait_ns > 1e15 ? now + 1000000000000000ull : now + (uint64_t)wait_ns + 1000u;
    }
    return a->tsc_deadline_ns;
}

void lapic_timer_write_initial(struct lapic *a, uint32_t count)
{
    if (lapic_timer_mode(a) == LAPIC_TIMER_TSC_DEADLINE)
        return; /* §10.5.4.1: the initial count is ignored in TSC-deadline mode */
    a->timer_initial = count;
    lapic_timer_rebase(a, lapic_now(a), count);
}

uint32_t lapic_timer_current(struct lapic *a)
{
    uint64_t now = lapic_now(a);
    lapic_timer_advance(a->vm, now);
    return lapic_timer_count_at(a, now);
}

void lapic_timer_write_dcr(struct lapic *a, uint32_t value)
{
    uint64_t now = lapic_now(a);
    lapic_timer_advance(a->vm, now);
    uint32_t count = lapic_timer_count_at(a, now);
    bool counting = lapic_timer_counting(a);
    a->timer_dcr = value & 0xb;
    if (counting)
        lapic_timer_rebase(a, now, count); /* the remaining count runs at the new rate */
}

void lapic_timer_write_lvt(struct lapic *a, uint32_t value)
{
    uint64_t now = lapic_now(a);
    lapic_timer_advance(a->vm, now);
    unsigned old_mode = lapic_timer_mode(a), new_mode = LAPIC_TIMER_MODE(value);
    uint32_t count = lapic_timer_count_at(a, now);
    bool counting = lapic_timer_counting(a);
    a->lvt[LVT_TIMER] = value;
    if ((old_mode == LAPIC_TIMER_TSC_DEADLINE) != (new_mode == LAPIC_TIMER_TSC_DEADLINE)) {
        a->timer_next_ns = UINT64_MAX; /* disarmed across a change into or out of TSC-deadline */
        a->tsc_deadline = 0;
        if (new_mode == LAPIC_TIMER_TSC_DEADLINE)
            a->timer_initial = 0;
        return;
    }
    if (counting)
        lapic_timer_rebase(a, now, count);
}

uint64_t lapic_tsc_deadline_read(struct vm *vm)
{
    struct lapic *a = vm->board.lapic;
    if (!a || lapic_timer_mode(a) != LAPIC_TIMER_TSC_DEADLINE)
        return 0; /* other modes read 0 (§10.5.4.1) */
    lapic_timer_advance(vm, lapic_now(a));
    return a->tsc_deadline;
}

void lapic_tsc_deadline_write(struct vm *vm, uint64_t deadline)
{
    struct lapic *a = vm->board.lapic;
    if (!a || lapic_timer_mode(a) != LAPIC_TIMER_TSC_DEADLINE)
        return; /* ignored in other modes */
    a->tsc_deadline = deadline;
    if (deadline)
        lapic_tsc_hz(a); /* calibrate now, not when the host timer is armed */
    lapic_timer_advance(vm, lapic_now(a));
    vm->cpu.timer_pending = 1; /* re-arm the host timer at the next boundary */
}
