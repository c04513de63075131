/*
 * cpuid.c: the CPU btvisor presents to its guests, as CPUID leaves.
 *
 * The model is a P6-family processor of the Pentium M generation (family 6,
 * model 9: SSE2 but no PAE), "GenuineIntel" so that guest kernels take their
 * well-trodden Intel paths, with exactly the features btvisor implements.
 * The local APIC bit (and the TSC-deadline timer with it) follows the
 * APIC's global enable in IA32_APIC_BASE, as on hardware (SDM Vol. 3A
 * §10.4.3).  Left out on purpose: VME (no virtual-8086 support), SEP
 * (sysenter is not virtualized yet), PAE and MTRR (no paging
 * model for them), MCE/MCA, and anything 64-bit (NX, LM, SYSCALL).  SSE3 is
 * offered only when the host has it, since guest user code runs on the
 * host CPU.  A -cpu model with optional features (monitor/cpu_model.h:
 * "max") adds their bits: leaf 7 (SMEP, SMAP, UMIP, RDPID; the maximum
 * basic leaf becomes 7) and 80000001h (RDTSCP).  Every leaf is one row of
 * cpuid_leaves[]; a leaf beyond the
 * maximum returns the highest basic leaf, as Intel processors do (SDM
 * Vol. 2 CPUID, "If a value entered for CPUID.EAX is higher than the
 * maximum input value...").
 *
 *   uint32_t r[4];
 *   cpuid_query(v, 0x80000002, 0, r);   // "btvisor virtual CPU" begins
 */
#include <cpuid.h>
#include <string.h>

#include "devices/lapic.h"
#include "monitor/cpu_model.h"
#include "monitor/emu_internal.h"
#include "monitor/vm.h"

/* Leaf 1 EDX feature bits (SDM Vol. 2 CPUID, Table 3-11). */
#define CPUID_1_EDX_FPU (1u << 0)
#define CPUID_1_EDX_DE (1u << 2)
#define CPUID_1_EDX_PSE (1u << 3)
#define CPUID_1_EDX_TSC (1u << 4)
#define CPUID_1_EDX_MSR (1u << 5)
#define CPUID_1_EDX_CX8 (1u << 8)
#define CPUID_1_EDX_APIC (1u << 9)
#define CPUID_1_EDX_PGE (1u << 13)
#define CPUID_1_EDX_CMOV (1u << 15)
#define CPUID_1_EDX_PAT (1u << 16)
#define CPUID_1_EDX_CLFSH (1u << 19)
#define CPUID_1_EDX_MMX (1u << 23)
#define CPUID_1_EDX_FXSR (1u << 24)
#define CPUID_1_EDX_SSE (1u << 25)
#define CPUID_1_EDX_SSE2 (1u << 26)
#define CPUID_1_ECX_SSE3 (1u << 0)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)

/* Leaf 7 subleaf 0 (SDM Vol. 2 CPUID, Table 3-8) and leaf 80000001h. */
#define CPUID_7_EBX_SMEP (1u << 7)
#define CPUID_7_EBX_SMAP (1u << 20)
#define CPUID_7_ECX_UMIP (1u << 2)
#define CPUID_7_ECX_RDPID (1u << 22)
#define CPUID_80000001_EDX_RDTSCP (1u << 27)
/* Features reported in leaf 7: a model with none of them keeps the P6's
 * maximum basic leaf 2. */
#define CPUID_7_FEATURES (CPU_FEAT_SMEP | CPU_FEAT_SMAP | CPU_FEAT_UMIP | CPU_FEAT_RDPID)

#define CPUID_MAX_BASIC 2u
#define CPUID_MAX_BASIC_7 7u
#define CPUID_MAX_EXTENDED 0x80000004u
/* Family 6, model 9, stepping 5 (EAX layout: stepping 3:0, model 7:4,
 * family 11:8). */
#define CPUID_SIGNATURE ((6u << 8) | (9u << 4) | 5u)

/* 48 bytes, NUL padded (leaves 0x80000002-0x80000004). */
static const char cpuid_brand[48] = "btvisor virtual CPU";

struct cpuid_leaf {
    uint32_t leaf;          /* EAX input */
    uint32_t reg[4];        /* EAX, EBX, ECX, EDX */
    uint32_t host_ecx;      /* ECX bits reported only if the host CPU has them */
    const char *text;       /* non-NULL: the four registers are these 16 bytes */
};

static const struct cpuid_leaf cpuid_leaves[] = {
    /* max basic leaf, vendor "Genu" "ineI" "ntel" in EBX, EDX, ECX */
    { 0, { CPUID_MAX_BASIC, 0x756e6547u, 0x6c65746eu, 0x49656e69u }, 0, NULL },
    /* signature; EBX: CLFLUSH line 8 × 8 bytes, one logical CPU, APIC ID 0 */
    { 1, { CPUID_SIGNATURE, 0x00010800u, 0,
           CPUID_1_EDX_FPU | CPUID_1_EDX_DE | CPUID_1_EDX_PSE | CPUID_1_EDX_TSC | CPUID_1_EDX_MSR |
           CPUID_1_EDX_CX8 | CPUID_1_EDX_PGE | CPUID_1_EDX_CMOV | CPUID_1_EDX_PAT | CPUID_1_EDX_CLFSH |
           CPUID_1_EDX_MMX | CPUID_1_EDX_FXSR | CPUID_1_EDX_SSE | CPUID_1_EDX_SSE2 },
      CPUID_1_ECX_SSE3, NULL },
    /* cache descriptors, one round: 2Ch L1D 32K, 30h L1I 32K, 7Dh L2 2M (all 64-byte lines) */
    { 2, { 0x00302c01u, 0, 0, 0x0000007du }, 0, NULL },
    /* only reached when leaf 7 exists (a model with CPUID_7_FEATURES):
     * no serial number (3), no deterministic cache leaf (4: type 0), no
     * MONITOR (5), no thermal/power features (6); leaf 7's bits are the
     * model's (cpuid_model_bits) */
    { 3, { 0 }, 0, NULL },
    { 4, { 0 }, 0, NULL },
    { 5, { 0 }, 0, NULL },
    { 6, { 0 }, 0, NULL },
    { 7, { 0 }, 0, NULL },
    { 0x80000000u, { CPUID_MAX_EXTENDED, 0, 0, 0 }, 0, NULL },
    /* no NX, no LM, no SYSCALL, no LAHF in 64-bit mode */
    { 0x80000001u, { 0, 0, 0, 0 }, 0, NULL },
    { 0x80000002u, { 0 }, 0, cpuid_brand },
    { 0x80000003u, { 0 }, 0, cpuid_brand + 16 },
    { 0x80000004u, { 0 }, 0, cpuid_brand + 32 },
};

static const struct cpuid_leaf *cpuid_find(uint32_t leaf)
{
    size_t n = sizeof cpuid_leaves / sizeof cpuid_leaves[0];
    for (size_t i = 0; i < n; i++)
        if (cpuid_leaves[i].leaf == leaf)
            return &cpuid_leaves[i];
    return NULL;
}

/* Host leaf-1 ECX, for the features passed through only if present. */
static uint32_t cpuid_host_ecx(void)
{
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) ? c : 0;
}

static uint32_t cpuid_max_basic(const struct vcpu *v)
{
    return v->vm && (v->vm->cpu_features & CPUID_7_FEATURES) ? CPUID_MAX_BASIC_7 : CPUID_MAX_BASIC;
}

/* The bits of the model's optional features (monitor/cpu_model.h). */
static void cpuid_model_bits(const struct vcpu *v, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    if (leaf == 0)
        out[0] = cpuid_max_basic(v);
    if (leaf == 7) {
        if (subleaf != 0) /* subleaf 0's EAX = 0: no other subleaf (all zero) */
            return;
        out[1] |= (cpu_has(v, CPU_FEAT_SMEP) ? CPUID_7_EBX_SMEP : 0) | (cpu_has(v, CPU_FEAT_SMAP) ? CPUID_7_EBX_SMAP : 0);
        out[2] |= (cpu_has(v, CPU_FEAT_UMIP) ? CPUID_7_ECX_UMIP : 0) | (cpu_has(v, CPU_FEAT_RDPID) ? CPUID_7_ECX_RDPID : 0);
    }
    if (leaf == 0x80000001u && cpu_has(v, CPU_FEAT_RDTSCP))
        out[3] |= CPUID_80000001_EDX_RDTSCP;
}

void cpuid_query(const struct vcpu *v, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    uint32_t max = cpuid_max_basic(v);
    if (leaf < 0x80000000u ? leaf > max : leaf > CPUID_MAX_EXTENDED)
        leaf = max;
    const struct cpuid_leaf *row = cpuid_find(leaf);
    if (!row)
        row = cpuid_find(max);
    if (row->text) {
        memcpy(out, row->text, 16);
        return;
    }
    memcpy(out, row->reg, 16);
    cpuid_model_bits(v, leaf, subleaf, out);
    if (row->host_ecx)
        out[2] |= row->host_ecx & cpuid_host_ecx();
    if (leaf == 1 && v->vm && lapic_hw_enabled(v->vm)) {
        out[3] |= CPUID_1_EDX_APIC;
        out[2] |= CPUID_1_ECX_TSC_DEADLINE;
    }
}

enum emu_status emu_cpuid(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    (void)ev;
    uint32_t r[4];
    cpuid_query(v, v->gpr[GPR_EAX], v->gpr[GPR_ECX], r);
    v->gpr[GPR_EAX] = r[0];
    v->gpr[GPR_EBX] = r[1];
    v->gpr[GPR_ECX] = r[2];
    v->gpr[GPR_EDX] = r[3];
    return emu_next(v, d);
}
