/*
 * cpu_model.h: shared pieces of the guests that check a -cpu model's
 * optional features (rdtscp.c, umip.c, smap.c): CPUID, MSR and CR4
 * access, and the command-line word that says which model the test runs
 * under ("model=max" or "model=base"), so that the guest can assert that
 * CPUID advertises a feature exactly when the model has it.
 *
 *   if (cm_model_is_max(boot)) ...
 *   uint32_t r[4]; cm_cpuid(7, 0, r);
 */
#pragma once
#include "rt.h"

static inline void cm_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

/* Bit `bit` of register `reg` (0 EAX .. 3 EDX) of leaf/sub, 0 when the
 * leaf lies beyond the maximum of its range. */
static inline uint32_t cm_cpuid_bit(uint32_t leaf, uint32_t sub, unsigned reg, unsigned bit)
{
    uint32_t r[4];
    cm_cpuid(leaf & 0x80000000u, 0, r);
    if (r[0] < leaf)
        return 0;
    cm_cpuid(leaf, sub, r);
    return (r[reg] >> bit) & 1;
}

static inline uint32_t cm_read_cr4(void)
{
    uint32_t v;
    asm volatile("movl %%cr4, %0" : "=r"(v));
    return v;
}

static inline void cm_write_cr4(uint32_t v) { asm volatile("movl %0, %%cr4" : : "r"(v) : "memory"); }

/* Does the command line say the test runs under the max model
 * ("model=max", or "model=max-nosm": max on an engine without SMEP/SMAP)?
 * Checks that it names a model at all. */
static inline int cm_model_is_max(const struct rt_boot *boot)
{
    int max = rt_cmdline_has(boot, "model=max") || rt_cmdline_has(boot, "model=max-nosm");
    rt_ok(max || rt_cmdline_has(boot, "model=base"), "the command line names the model (model=max|max-nosm|base)");
    return max;
}

/* Address of the instruction a cm_try_* fragment ran, for rt_expect_trap. */
extern uint32_t cm_at;
