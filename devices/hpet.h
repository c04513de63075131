/*
 * hpet.h: the High Precision Event Timer at 0xfed00000 (IA-PC HPET
 * Specification 1.0a), as QEMU's PC has it: a 64-bit main counter at
 * 100 MHz (period 10 ns) and three comparators.
 *
 *   *(volatile uint32_t *)0xfed00010 |= 1;          // guest: ENABLE_CNF
 *   uint32_t t = *(volatile uint32_t *)0xfed000f0;  // main counter, low half
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct vm;

#define HPET_BASE 0xfed00000u
#define HPET_SIZE 0x400u
#define HPET_PERIOD_FS 10000000u /* 10 ns per tick, QEMU's value */
#define HPET_TIMERS 3u

/* Register offsets (HPET spec §2.3.1, Table 2). */
#define HPET_REG_CAP 0x000u      /* general capabilities and ID (read-only) */
#define HPET_REG_CONFIG 0x010u   /* general configuration: bit 0 ENABLE_CNF, bit 1 LEG_RT_CNF */
#define HPET_REG_STATUS 0x020u   /* general interrupt status (write 1 to clear) */
#define HPET_REG_COUNTER 0x0f0u  /* main counter value */
#define HPET_REG_TIMER0 0x100u   /* timer n: 0x100 + 0x20 n: config/cap, +8 comparator, +0x10 FSB */

#define HPET_CFG_ENABLE 0x1u
#define HPET_CFG_LEGACY 0x2u

struct hpet_timer {
    uint64_t config;     /* Tn_CONF_CAP as written (writable bits only) */
    uint64_t comparator; /* Tn_COMPARATOR */
    uint64_t fsb;        /* Tn_FSB_INT_ROUTE */
};

struct hpet {
    struct vm *vm;
    uint64_t config;        /* GEN_CONF */
    uint64_t status;        /* GINTR_STA */
    uint64_t counter;       /* the main counter when it stopped, or when it last started */
    uint64_t started_ns;    /* board clock when ENABLE_CNF was last set */
    struct hpet_timer timer[HPET_TIMERS];
};

int hpet_init(struct vm *vm, char *err, size_t errlen);
/* The main counter at board time now_ns. */
uint64_t hpet_counter_at(const struct hpet *h, uint64_t now_ns);
