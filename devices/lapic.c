/*
 * lapic.c: the local APIC's registers, priorities and interrupt
 * acceptance (SDM Vol. 3A chapter 10; the timer is in lapic_timer.c).
 *
 * State is a handful of 32-bit registers and three 256-bit sets: IRR
 * (accepted, waiting), ISR (in service, waiting for EOI) and TMR
 * (level-triggered).  Priority follows §10.8.3: a vector's class is its
 * high nibble; the processor priority PPR is TPR if TPR's class is at least
 * that of the highest vector in service, else that vector's class; the CPU
 * takes the highest IRR vector whose class exceeds PPR's.  An EOI retires the
 * highest ISR vector and, when it was level-triggered, tells the I/O APIC
 * (EOI broadcast, §10.8.5), which clears the pin's remote IRR.
 *
 * The ICR sends only to this CPU: fixed vectors and NMI to itself (by
 * shorthand or a matching destination) are accepted at once; INIT and
 * start-up IPIs, which a single-CPU guest sends while probing for others,
 * are accepted and dropped.  The delivery-status bit always reads idle.
 *
 * Software disable (SVR bit 8 clear, the reset state) masks every LVT and
 * keeps them masked (§10.4.7.2); the IRR/ISR contents stay.  QEMU's
 * convention is followed for the CPU's LINT0 at reset: ExtINT, unmasked,
 * as a BIOS leaves it, so the 8259 reaches the CPU until the guest says
 * otherwise.
 *
 *   mmio_register(vm, 0xfee00000, 0x1000, lapic_mmio_read, lapic_mmio_write, a, "lapic");
 */
#include "devices/lapic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/intr.h"
#include "devices/ioapic.h"
#include "monitor/vm.h"

#define APIC_BASE_ENABLE (1u << 11)

static struct lapic *lapic_of(const struct vm *vm)
{
    return vm->board.lapic;
}

bool lapic_hw_enabled(const struct vm *vm)
{
    return lapic_of(vm) && (vm->cpu.apic_base & APIC_BASE_ENABLE);
}

static bool lapic_sw_enabled(const struct lapic *a)
{
    return (a->svr & LAPIC_SVR_ENABLE) != 0;
}

static bool set_test(const uint32_t *set, unsigned v)
{
    return (set[v >> 5] >> (v & 31)) & 1;
}

static void set_put(uint32_t *set, unsigned v, bool on)
{
    if (on)
        set[v >> 5] |= 1u << (v & 31);
    else
        set[v >> 5] &= ~(1u << (v & 31));
}

/* Highest vector in a 256-bit set, -1 if empty. */
static int set_highest(const uint32_t *set)
{
    for (int i = 7; i >= 0; i--)
        if (set[i])
            return i * 32 + 31 - __builtin_clz(set[i]);
    return -1;
}

/* Register defaults at power-up and after INIT / global disable (§10.4.7.1). */
static void lapic_reset(struct lapic *a)
{
    struct vm *vm = a->vm;
    uint64_t hz = a->tsc_hz; /* the host's TSC did not change */
    memset(a, 0, sizeof *a);
    a->vm = vm;
    a->tsc_hz = hz;
    a->dfr = 0xffffffffu;
    a->svr = 0xff;
    for (int i = 0; i < LVT_COUNT; i++)
        a->lvt[i] = LAPIC_LVT_MASKED;
    a->lvt[LVT_LINT0] = LAPIC_DM_EXTINT << 8; /* virtual wire, as the BIOS leaves it */
    a->lvt[LVT_LINT1] = LAPIC_DM_NMI << 8;
    a->timer_next_ns = UINT64_MAX;
}

uint32_t lapic_ppr(const struct lapic *a)
{
    int isrv = set_highest(a->isr);
    uint32_t isr_class = isrv < 0 ? 0 : ((uint32_t)isrv & 0xf0);
    return (a->tpr & 0xf0) >= isr_class ? a->tpr & 0xff : isr_class;
}

int lapic_pending_vector(const struct vm *vm)
{
    const struct lapic *a = lapic_of(vm);
    if (!lapic_hw_enabled(vm) || !lapic_sw_enabled(a))
        return -1;
    int v = set_highest(a->irr);
    if (v < 0 || ((uint32_t)v & 0xf0) <= (lapic_ppr(a) & 0xf0))
        return -1;
    return v;
}

int lapic_acknowledge(struct vm *vm)
{
    struct lapic *a = lapic_of(vm);
    int v = lapic_pending_vector(vm);
    if (v < 0)
        return -1;
    set_put(a->irr, (unsigned)v, false);
    set_put(a->isr, (unsigned)v, true);
    return v;
}

void lapic_accept(struct vm *vm, uint8_t vector, bool level)
{
    struct lapic *a = lapic_of(vm);
    if (!lapic_hw_enabled(vm))
        return;
    if (vector < 16) { /* §10.5.2: vectors 0-15 are reserved; a receive-illegal-vector error */
        a->esr_pending |= LAPIC_ESR_RECV_ILLEGAL;
        return;
    }
    set_put(a->irr, vector, true);
    set_put(a->tmr, vector, level);
    intr_update_pending(vm);
}

bool lapic_pic_passes(const struct vm *vm)
{
    const struct lapic *a = lapic_of(vm);
    if (!lapic_hw_enabled(vm))
        return true;
    if (a->pic_extint)
        return true;
    uint32_t lint0 = a->lvt[LVT_LINT0];
    return !(lint0 & LAPIC_LVT_MASKED) && LAPIC_LVT_DELIVERY(lint0) == LAPIC_DM_EXTINT;
}

bool lapic_matches_destination(const struct vm *vm, uint8_t dest, bool logical)
{
    const struct lapic *a = lapic_of(vm);
    if (!a)
        return false;
    if (!logical) /* physical: the APIC ID, or 0xff for everyone (§10.6.2.1) */
        return dest == 0xff || dest == (uint8_t)(a->id >> 24);
    uint8_t ldr = (uint8_t)(a->ldr >> 24);
    if ((a->dfr >> 28) == 0xf) /* flat model: a bit per APIC (§10.6.2.2) */
        return (dest & ldr) != 0;
    /* cluster model: high nibble names the cluster (15 = all), low nibble the members */
    return ((dest >> 4) == 0xf || (dest >> 4) == (ldr >> 4)) && (dest & ldr & 0x0f) != 0;
}

/* EOI: retire the highest in-service vector (§10.8.5). */
static void lapic_eoi(struct lapic *a)
{
    int v = set_highest(a->isr);
    if (v < 0)
        return;
    set_put(a->isr, (unsigned)v, false);
    if (set_test(a->tmr, (unsigned)v)) {
        set_put(a->tmr, (unsigned)v, false);
        ioapic_eoi(a->vm, (uint8_t)v);
    }
    intr_update_pending(a->vm);
}

/* An IPI through the ICR (§10.6.1).  Only this CPU exists. */
static void lapic_send_ipi(struct lapic *a)
{
    uint32_t lo = a->icr_lo;
    unsigned shorthand = (lo >> 18) & 3, mode = LAPIC_LVT_DELIVERY(lo);
    uint8_t vector = (uint8_t)lo;
    bool to_self = shorthand == 1 || shorthand == 2 ||
                   (shorthand == 0 && lapic_matches_destination(a->vm, (uint8_t)(a->icr_hi >> 24),
                                                                (lo >> 11) & 1));
    if (!to_self)
        return; /* "all excluding self" (3) or another CPU: nobody there */
    if (mode == LAPIC_DM_FIXED || mode == LAPIC_DM_LOWEST) {
        if (vector < 16) {
            a->esr_pending |= LAPIC_ESR_SEND_ILLEGAL;
            return;
        }
        lapic_accept(a->vm, vector, false);
    } else if (mode == LAPIC_DM_NMI) {
        intr_raise_nmi(a->vm);
    }
    /* INIT, start-up, SMI: a one-CPU machine ignores them */
}

static uint32_t lapic_read_set(const uint32_t *set, uint64_t offset, uint32_t base)
{
    return set[(offset - base) >> 4];
}

static uint32_t lapic_read_reg(struct lapic *a, uint32_t off)
{
    switch (off) {
    case LAPIC_REG_ID: return a->id;
    case LAPIC_REG_VERSION: return LAPIC_VERSION;
    case LAPIC_REG_TPR: return a->tpr;
    case LAPIC_REG_APR: return 0;
    case LAPIC_REG_PPR: return lapic_ppr(a);
    case LAPIC_REG_LDR: return a->ldr;
    case LAPIC_REG_DFR: return a->dfr;
    case LAPIC_REG_SVR: return a->svr;
    case LAPIC_REG_ESR: return a->esr;
    case LAPIC_REG_ICR_LO: return a->icr_lo & ~(1u << 12); /* delivery status: idle */
    case LAPIC_REG_ICR_HI: return a->icr_hi;
    case LAPIC_REG_TIMER_ICR: return a->timer_initial;
    case LAPIC_REG_TIMER_CCR: return lapic_timer_current(a);
    case LAPIC_REG_TIMER_DCR: return a->timer_dcr;
    default: break;
    }
    if (off >= LAPIC_REG_ISR && off < LAPIC_REG_ISR + 0x80)
        return lapic_read_set(a->isr, off, LAPIC_REG_ISR);
    if (off >= LAPIC_REG_TMR && off < LAPIC_REG_TMR + 0x80)
        return lapic_read_set(a->tmr, off, LAPIC_REG_TMR);
    if (off >= LAPIC_REG_IRR && off < LAPIC_REG_IRR + 0x80)
        return lapic_read_set(a->irr, off, LAPIC_REG_IRR);
    if (off >= LAPIC_REG_LVT_TIMER && off <= LAPIC_REG_LVT_ERROR)
        return a->lvt[(off - LAPIC_REG_LVT_TIMER) >> 4];
    return 0; /* reserved and write-only registers (EOI) read as 0 */
}

uint64_t lapic_mmio_read(void *dev, uint64_t offset, unsigned size)
{
    struct lapic *a = dev;
    if (!lapic_hw_enabled(a->vm))
        return ~0ull; /* globally disabled: the page is not decoded */
    uint32_t value = lapic_read_reg(a, (uint32_t)offset & 0xff0);
    /* Registers are 32 bits on 16-byte boundaries; narrower reads see part of one. */
    unsigned shift = 8 * (offset & 3);
    return (offset & 0xc) ? 0 : (uint64_t)(value >> shift) & (size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
}

static uint32_t lapic_lvt_writable(enum lapic_lvt i)
{
    switch (i) {
    case LVT_TIMER: return 0x000700ffu;             /* vector, mask, timer mode (bits 18:17) */
    case LVT_LINT0:
    case LVT_LINT1: return 0x0001a7ffu;             /* vector, delivery mode, polarity, trigger, mask */
    case LVT_ERROR: return 0x000100ffu;
    default: return 0x000107ffu;                    /* thermal, perf: vector, delivery mode, mask */
    }
}

static void lapic_write_lvt(struct lapic *a, enum lapic_lvt i, uint32_t value)
{
    value &= lapic_lvt_writable(i);
    if (!lapic_sw_enabled(a))
        value |= LAPIC_LVT_MASKED; /* §10.4.7.2: masks cannot be cleared while disabled */
    if (i == LVT_TIMER) {
        lapic_timer_write_lvt(a, value);
        return;
    }
    a->lvt[i] = value;
}

static void lapic_write_svr(struct lapic *a, uint32_t value)
{
    a->svr = value & 0x1ffu; /* vector, software enable; focus checking is not modelled */
    if (!lapic_sw_enabled(a))
        for (int i = 0; i < LVT_COUNT; i++)
            a->lvt[i] |= LAPIC_LVT_MASKED;
}

static void lapic_write_reg(struct lapic *a, uint32_t off, uint32_t value)
{
    switch (off) {
    case LAPIC_REG_ID: a->id = value & 0xff000000u; break;
    case LAPIC_REG_TPR: a->tpr = value & 0xff; break;
    case LAPIC_REG_EOI: lapic_eoi(a); break;
    case LAPIC_REG_LDR: a->ldr = value & 0xff000000u; break;
    case LAPIC_REG_DFR: a->dfr = value | 0x0fffffffu; break;
    case LAPIC_REG_SVR: lapic_write_svr(a, value); break;
    case LAPIC_REG_ESR: /* a write latches the errors seen since the last one (§10.5.3) */
        a->esr = a->esr_pending;
        a->esr_pending = 0;
        break;
    case LAPIC_REG_ICR_HI: a->icr_hi = value & 0xff000000u; break;
    case LAPIC_REG_ICR_LO:
        a->icr_lo = value & 0x000ccfffu;
        lapic_send_ipi(a);
        break;
    case LAPIC_REG_TIMER_ICR: lapic_timer_write_initial(a, value); break;
    case LAPIC_REG_TIMER_DCR: lapic_timer_write_dcr(a, value); break;
    default:
        if (off >= LAPIC_REG_LVT_TIMER && off <= LAPIC_REG_LVT_ERROR)
            lapic_write_lvt(a, (enum lapic_lvt)((off - LAPIC_REG_LVT_TIMER) >> 4), value);
        break; /* read-only and reserved registers ignore writes */
    }
    if (off >= LAPIC_REG_LVT_TIMER)
        a->vm->cpu.timer_pending = 1; /* the timer may have moved: re-arm the host timer */
    intr_update_pending(a->vm);
}

void lapic_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
    struct lapic *a = dev;
    if (!lapic_hw_enabled(a->vm) || (offset & 0xf) != 0)
        return;
    (void)size; /* a narrower write stores its low bytes zero-extended, as the hardware's 32-bit path */
    lapic_write_reg(a, (uint32_t)offset & 0xff0, (uint32_t)value);
}

void lapic_base_changed(struct vm *vm, uint64_t old_base, uint64_t new_base)
{
    struct lapic *a = lapic_of(vm);
    if (a && (old_base & APIC_BASE_ENABLE) && !(new_base & APIC_BASE_ENABLE))
        lapic_reset(a); /* §10.4.3: disabling through the MSR is like a reset of the APIC */
    intr_update_pending(vm);
}

int lapic_init(struct vm *vm, char *err, size_t errlen)
{
    struct lapic *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "board: out of memory for the local APIC");
        return -1;
    }
    vm->board.lapic = a;
    a->vm = vm;
    lapic_reset(a);
    if (mmio_register(vm, LAPIC_DEFAULT_BASE, LAPIC_SIZE, lapic_mmio_read, lapic_mmio_write, a, "lapic") < 0) {
        snprintf(err, errlen, "board: cannot map the local APIC at %#x", LAPIC_DEFAULT_BASE);
        return -1;
    }
    return 0;
}
