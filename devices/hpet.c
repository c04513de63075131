/*
 * hpet.c: the HPET's registers and main counter (see hpet.h).
 *
 * The main counter is a function of the board clock, like the PIT and the
 * ACPI PM timer: while ENABLE_CNF is set it is the value it had when the
 * bit was set plus the elapsed nanoseconds / 10; clearing the bit freezes
 * it, and software may then write it (HPET spec §2.3.8: writes to the
 * counter while it runs have undefined results; here they restart the
 * count from the written value).  Registers are 64 bits wide and may be
 * read or written as two 32-bit halves (§2.3.1); other sizes reach the
 * same bytes.
 *
 * The comparators are kept as written but never interrupt: no ACPI table
 * announces this HPET, so operating systems keep to the PIT and the local
 * APIC timer, and test programs (kvm-unit-tests' hpet_read_test) read the
 * counter only.  Each timer says so in its capabilities: no interrupt
 * routes (Tn_INT_ROUTE_CAP = 0), no FSB delivery, not periodic-capable.
 *
 *   hpet_init(vm, err, sizeof err);   // board_init does this
 */
#include "devices/hpet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/vm.h"
#include "shadowmm/mmio.h"

/* GCAP_ID: period, vendor 8086, legacy route capable, 64-bit counter, 3 timers, rev 1. */
static uint64_t hpet_capabilities(void)
{
    return (uint64_t)HPET_PERIOD_FS << 32 | 0x8086u << 16 | 1u << 15 | 1u << 13 |
           (HPET_TIMERS - 1) << 8 | 0x01u;
}

uint64_t hpet_counter_at(const struct hpet *h, uint64_t now_ns)
{
    if (!(h->config & HPET_CFG_ENABLE) || now_ns < h->started_ns)
        return h->counter;
    return h->counter + (now_ns - h->started_ns) * 1000000u / HPET_PERIOD_FS;
}

static uint64_t hpet_now(const struct hpet *h)
{
    return h->vm->board.clock_ns(h->vm);
}

/* The 64-bit register that holds offset off, NULL if none. */
static uint64_t *hpet_timer_reg(struct hpet *h, uint64_t off)
{
    if (off < HPET_REG_TIMER0 || off >= HPET_REG_TIMER0 + 0x20u * HPET_TIMERS)
        return NULL;
    struct hpet_timer *t = &h->timer[(off - HPET_REG_TIMER0) / 0x20u];
    switch ((off - HPET_REG_TIMER0) % 0x20u & ~7u) {
    case 0x00: return &t->config;
    case 0x08: return &t->comparator;
    case 0x10: return &t->fsb;
    default: return NULL;
    }
}

static uint64_t hpet_read64(struct hpet *h, uint64_t reg)
{
    switch (reg) {
    case HPET_REG_CAP: return hpet_capabilities();
    case HPET_REG_CONFIG: return h->config;
    case HPET_REG_STATUS: return h->status;
    case HPET_REG_COUNTER: return hpet_counter_at(h, hpet_now(h));
    default: {
        uint64_t *r = hpet_timer_reg(h, reg);
        /* Tn_CONF_CAP: bit 5 (Tn_SIZE_CAP) says 64-bit; no interrupt routes above bit 32 */
        if (r && (reg - HPET_REG_TIMER0) % 0x20u == 0)
            return *r | 1u << 5;
        return r ? *r : 0;
    }
    }
}

static void hpet_write_config(struct hpet *h, uint64_t v)
{
    uint64_t now = hpet_now(h);
    bool was = h->config & HPET_CFG_ENABLE, is = v & HPET_CFG_ENABLE;
    if (was && !is)
        h->counter = hpet_counter_at(h, now); /* freeze */
    if (!was && is)
        h->started_ns = now;
    h->config = v & (HPET_CFG_ENABLE | HPET_CFG_LEGACY);
}

static void hpet_write64(struct hpet *h, uint64_t reg, uint64_t v)
{
    switch (reg) {
    case HPET_REG_CAP: return; /* read-only */
    case HPET_REG_CONFIG: hpet_write_config(h, v); return;
    case HPET_REG_STATUS: h->status &= ~v; return;
    case HPET_REG_COUNTER:
        h->counter = v;
        h->started_ns = hpet_now(h);
        return;
    default: {
        uint64_t *r = hpet_timer_reg(h, reg);
        if (r)
            *r = (reg - HPET_REG_TIMER0) % 0x20u == 0 ? v & 0x7e : v; /* config: only bits 1-6 */
        return;
    }
    }
}

/* An access of size bytes at offset: the bytes of the 64-bit register(s). */
static uint64_t hpet_mmio_read(void *dev, uint64_t offset, unsigned size)
{
    struct hpet *h = dev;
    uint64_t reg = offset & ~7ull, shift = 8 * (offset & 7);
    uint64_t v = hpet_read64(h, reg) >> shift;
    return size >= 8 ? v : v & ((1ull << (8 * size)) - 1);
}

static void hpet_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
    struct hpet *h = dev;
    uint64_t reg = offset & ~7ull, shift = 8 * (offset & 7);
    uint64_t mask = (size >= 8 ? ~0ull : (1ull << (8 * size)) - 1) << shift;
    uint64_t old = reg == HPET_REG_COUNTER ? hpet_counter_at(h, hpet_now(h)) : hpet_read64(h, reg);
    if (reg == HPET_REG_STATUS)
        old = 0; /* write-1-to-clear: only the bits written count */
    hpet_write64(h, reg, (old & ~mask) | ((value << shift) & mask));
}

int hpet_init(struct vm *vm, char *err, size_t errlen)
{
    struct hpet *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "board: out of memory for the HPET");
        return -1;
    }
    h->vm = vm;
    vm->board.hpet = h;
    if (mmio_register(vm, HPET_BASE, HPET_SIZE, hpet_mmio_read, hpet_mmio_write, h, "hpet") < 0) {
        snprintf(err, errlen, "board: cannot map the HPET at 0x%x", HPET_BASE);
        return -1;
    }
    return 0;
}
