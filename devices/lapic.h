/*
 * lapic.h: the local APIC of the one vCPU, in xAPIC mode (SDM Vol. 3A
 * chapter 10).
 *
 * The registers sit in the 4 KiB page named by the IA32_APIC_BASE MSR
 * (0xfee00000 after reset).  Interrupts reach the APIC from three sides:
 * the I/O APIC (ioapic.c) and self-IPIs through lapic_accept(), its own
 * timer (lapic_timer.c), and LINT0, where the 8259 pair is wired in
 * "virtual wire" mode (devices/intr.c asks lapic_pic_passes()).  The CPU
 * side takes the highest-priority vector whose class is above the
 * processor priority (PPR, from TPR and the highest vector in service)
 * with lapic_acknowledge(); the guest ends it with a write to EOI, which
 * for a level-triggered vector is broadcast to the I/O APIC.
 *
 * With the MSR's global enable bit clear the APIC is gone: its page reads
 * as all-ones, CPUID stops reporting it and the 8259 drives the CPU's INTR
 * pin directly (§10.4.3).
 *
 *   lapic_accept(vm, 0x30, false);          // an edge-triggered vector 0x30
 *   int vec = lapic_pending_vector(vm);     // 0x30 unless TPR/ISR block it
 *   lapic_acknowledge(vm);                  // IRR -> ISR, returns 0x30
 *   mmio_write(vm, 0xfee000b0, 4, 0);       // the guest's EOI
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

#define LAPIC_DEFAULT_BASE 0xfee00000u
#define LAPIC_SIZE 0x1000u
#define LAPIC_VERSION 0x00050014u /* version 0x14 (integrated xAPIC), max LVT entry 5 (6 entries) */
#define LAPIC_BUS_HZ 1000000000u  /* timer input clock: 1 GHz, one count per ns at divide 1 (as QEMU) */

/* Register offsets (SDM Vol. 3A Table 10-1). */
#define LAPIC_REG_ID 0x20
#define LAPIC_REG_VERSION 0x30
#define LAPIC_REG_TPR 0x80
#define LAPIC_REG_APR 0x90
#define LAPIC_REG_PPR 0xa0
#define LAPIC_REG_EOI 0xb0
#define LAPIC_REG_RRD 0xc0
#define LAPIC_REG_LDR 0xd0
#define LAPIC_REG_DFR 0xe0
#define LAPIC_REG_SVR 0xf0
#define LAPIC_REG_ISR 0x100
#define LAPIC_REG_TMR 0x180
#define LAPIC_REG_IRR 0x200
#define LAPIC_REG_ESR 0x280
#define LAPIC_REG_ICR_LO 0x300
#define LAPIC_REG_ICR_HI 0x310
#define LAPIC_REG_LVT_TIMER 0x320
#define LAPIC_REG_LVT_THERMAL 0x330
#define LAPIC_REG_LVT_PERF 0x340
#define LAPIC_REG_LVT_LINT0 0x350
#define LAPIC_REG_LVT_LINT1 0x360
#define LAPIC_REG_LVT_ERROR 0x370
#define LAPIC_REG_TIMER_ICR 0x380
#define LAPIC_REG_TIMER_CCR 0x390
#define LAPIC_REG_TIMER_DCR 0x3e0

/* LVT entries, in register order from 0x320. */
enum lapic_lvt { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_LVT_LEVEL (1u << 15)          /* LINT0/1 trigger mode */
#define LAPIC_LVT_DELIVERY(x) (((x) >> 8) & 7u)
#define LAPIC_DM_FIXED 0u
#define LAPIC_DM_LOWEST 1u
#define LAPIC_DM_SMI 2u
#define LAPIC_DM_NMI 4u
#define LAPIC_DM_INIT 5u
#define LAPIC_DM_STARTUP 6u
#define LAPIC_DM_EXTINT 7u
#define LAPIC_SVR_ENABLE (1u << 8)
/* Timer mode, LVT timer bits 18:17 (§10.5.4). */
#define LAPIC_TIMER_ONESHOT 0u
#define LAPIC_TIMER_PERIODIC 1u
#define LAPIC_TIMER_TSC_DEADLINE 2u
#define LAPIC_TIMER_MODE(lvt) (((lvt) >> 17) & 3u)

/* Error status bits (§10.5.3). */
#define LAPIC_ESR_SEND_ILLEGAL (1u << 5)
#define LAPIC_ESR_RECV_ILLEGAL (1u << 6)
#define LAPIC_ESR_ILLEGAL_REG (1u << 7)

struct lapic {
    struct vm *vm;
    uint32_t id;              /* APIC ID register (bits 31:24 hold the ID) */
    uint32_t tpr;             /* task priority, bits 7:0 */
    uint32_t ldr;             /* logical destination, bits 31:24 */
    uint32_t dfr;             /* destination format: bits 31:28 = 1111b flat, 0000b cluster */
    uint32_t svr;             /* spurious-interrupt vector register */
    uint32_t esr;             /* error status as last latched by a write to ESR */
    uint32_t esr_pending;     /* errors seen since that write */
    uint32_t icr_lo, icr_hi;  /* interrupt command register */
    uint32_t irr[8], isr[8], tmr[8]; /* 256-bit request, in-service and trigger-mode sets */
    uint32_t lvt[LVT_COUNT];  /* local vector table */
    uint32_t lint_level;      /* bit n: LINTn input is high (level-triggered LINT bookkeeping) */
    bool pic_extint;          /* an ExtINT message from the I/O APIC waits: the CPU asks the 8259 */
    /* The timer (lapic_timer.c). */
    uint32_t timer_initial;   /* initial count register */
    uint32_t timer_dcr;       /* divide configuration register (bits 3, 1:0) */
    uint64_t timer_start_ns;  /* when the current count (re)started */
    uint64_t timer_next_ns;   /* one-shot/periodic: next expiry, UINT64_MAX when stopped */
    uint64_t tsc_deadline;    /* IA32_TSC_DEADLINE: guest TSC to fire at, 0 = disarmed */
    uint64_t tsc_hz;          /* host TSC frequency, calibrated at the first TSC-deadline arm */
    uint64_t deadline_host_tsc; /* the host TSC value tsc_deadline_ns was computed for */
    uint64_t tsc_deadline_ns; /* CLOCK_MONOTONIC time of that host TSC value (rounded up) */
    uint64_t timer_fires;     /* timer interrupts raised (statistics, tests) */
};

/* Board constructor: creates the APIC in its reset state and maps its page. */
int lapic_init(struct vm *vm, char *err, size_t errlen);

/* Is the APIC globally enabled (IA32_APIC_BASE bit 11)? */
bool lapic_hw_enabled(const struct vm *vm);
/* Accept a fixed-mode vector (I/O APIC message, self-IPI, timer, LINT).
 * Vectors 0-15 are illegal (§10.5.2): not accepted, a receive error. */
void lapic_accept(struct vm *vm, uint8_t vector, bool level);
/* The vector the CPU would take now (above PPR), or -1. */
int lapic_pending_vector(const struct vm *vm);
/* Move that vector from IRR to ISR and return it (-1 if none). */
int lapic_acknowledge(struct vm *vm);
/* Does the 8259's INTR output reach the CPU: the APIC is globally off, or
 * LINT0 is unmasked in ExtINT mode, or an ExtINT message is waiting? */
bool lapic_pic_passes(const struct vm *vm);
/* Does a physical/logical destination (I/O APIC redirection bits 63:56,
 * ICR bits 63:56) name this APIC? */
bool lapic_matches_destination(const struct vm *vm, uint8_t dest, bool logical);
/* Processor priority register (§10.8.3.1). */
uint32_t lapic_ppr(const struct lapic *a);

/* IA32_APIC_BASE was written: a cleared enable bit resets the APIC (§10.4.3). */
void lapic_base_changed(struct vm *vm, uint64_t old_base, uint64_t new_base);

/* MMIO handlers for the APIC page. */
uint64_t lapic_mmio_read(void *dev, uint64_t offset, unsigned size);
void lapic_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t value);

/* The timer (lapic_timer.c). */
void lapic_timer_write_initial(struct lapic *a, uint32_t count);
uint32_t lapic_timer_current(struct lapic *a);
void lapic_timer_write_lvt(struct lapic *a, uint32_t value);
void lapic_timer_write_dcr(struct lapic *a, uint32_t value);
/* IA32_TSC_DEADLINE (MSR 0x6e0). */
uint64_t lapic_tsc_deadline_read(struct vm *vm);
void lapic_tsc_deadline_write(struct vm *vm, uint64_t deadline);
/* Raise the timer interrupts due by `now`; next expiry in host ns (UINT64_MAX: none). */
void lapic_timer_advance(struct vm *vm, uint64_t now);
uint64_t lapic_timer_next_event_ns(struct vm *vm, uint64_t now);
